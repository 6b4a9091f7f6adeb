package io.fleetlink.agent;

import java.util.Map;

import io.fleetlink.support.HostOpsProfile;

/**
 * The host-operation profile with a short {@code operation-timeout} (2s), so that a cleanup whose
 * gpu step meets a hung nvidia-smi (the profile's 3s deadline) outlives it: the test sees the 504 of
 * work that goes on.
 */
public class HandoverAgentProfile extends HostOpsProfile {

    /** How long a caller waits before the 504. */
    public static final int OPERATION_TIMEOUT_SECONDS = 2;

    @Override
    protected Map<String, String> extraOverrides() {
        return Map.of("fleetlink.agent.operation-timeout", OPERATION_TIMEOUT_SECONDS + "s");
    }
}
