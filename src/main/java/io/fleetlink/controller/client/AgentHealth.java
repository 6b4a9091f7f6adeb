package io.fleetlink.controller.client;

import java.time.Duration;

/**
 * What {@code checkAgentHealth} found: reachable or not, how fast, why not, and the highest fencing epoch
 * the agent reported (null when it did not answer).
 */
public record AgentHealth(String hostId, boolean reachable, long latencyMs, String error,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Long agentEpoch) {

    public AgentHealth(String hostId, boolean reachable, long latencyMs, String error) {
        this(hostId, reachable, latencyMs, error, null);
    }

    public static AgentHealth up(String hostId, Duration latency) {
        return new AgentHealth(hostId, true, latency.toMillis(), null, null);
    }

    public static AgentHealth up(String hostId, Duration latency, long agentEpoch) {
        return new AgentHealth(hostId, true, latency.toMillis(), null, agentEpoch);
    }

    public static AgentHealth down(String hostId, Duration latency, String error) {
        return new AgentHealth(hostId, false, latency.toMillis(), error, null);
    }
}
