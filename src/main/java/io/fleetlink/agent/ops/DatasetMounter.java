package io.fleetlink.agent.ops;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.protocol.AgentException;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountResult;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountResult;

/** Placeholder until the agent operations land. */
@ApplicationScoped
public class DatasetMounter {

    public MountResult mount(MountDatasetRequest request) {
        throw new AgentException(501, "not implemented yet");
    }

    public UnmountResult unmount(UnmountDatasetRequest request) {
        throw new AgentException(501, "not implemented yet");
    }
}
