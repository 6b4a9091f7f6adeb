package io.fleetlink.agent.ops;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.protocol.AgentException;
import io.fleetlink.protocol.ResetSshResult;
import io.fleetlink.protocol.ResetSshRequest;

/** Placeholder until the agent operations land. */
@ApplicationScoped
public class SshKeyInstaller {

    public ResetSshResult reset(ResetSshRequest request) {
        throw new AgentException(501, "not implemented yet");
    }
}
