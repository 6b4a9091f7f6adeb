package io.fleetlink.controller.client;

import java.time.Duration;

/** What {@code checkAgentHealth} found: reachable or not, how fast, and why not. */
public record AgentHealth(String hostId, boolean reachable, long latencyMs, String error) {

    public static AgentHealth up(String hostId, Duration latency) {
        return new AgentHealth(hostId, true, latency.toMillis(), null);
    }

    public static AgentHealth down(String hostId, Duration latency, String error) {
        return new AgentHealth(hostId, false, latency.toMillis(), error);
    }
}
