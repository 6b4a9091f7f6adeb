package io.fleetlink.agent.ops;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.protocol.AgentException;
import io.fleetlink.protocol.SystemInfo;

/** Placeholder until the agent operations land. */
@ApplicationScoped
public class SystemInfoCollector {

    public SystemInfo collect() {
        throw new AgentException(501, "not implemented yet");
    }
}
