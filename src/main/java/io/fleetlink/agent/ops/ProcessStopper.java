package io.fleetlink.agent.ops;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.protocol.AgentException;
import io.fleetlink.protocol.StopProcessResult;
import io.fleetlink.protocol.StopProcessRequest;

/** Placeholder until the agent operations land. */
@ApplicationScoped
public class ProcessStopper {

    public StopProcessResult stop(StopProcessRequest request) {
        throw new AgentException(501, "not implemented yet");
    }
}
