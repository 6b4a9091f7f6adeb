package io.fleetlink.agent.ops;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.protocol.AgentException;
import io.fleetlink.protocol.ExecResult;
import io.fleetlink.protocol.ExecRequest;

/** Placeholder until the agent operations land. */
@ApplicationScoped
public class CommandRunner {

    public ExecResult run(ExecRequest request) {
        throw new AgentException(501, "not implemented yet");
    }
}
