package io.fleetlink.agent.ops;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.protocol.AgentException;
import io.fleetlink.protocol.CleanupResult;
import io.fleetlink.protocol.CleanupRequest;

/** Placeholder until the agent operations land. */
@ApplicationScoped
public class MachineCleaner {

    public CleanupResult clean(CleanupRequest request) {
        throw new AgentException(501, "not implemented yet");
    }
}
