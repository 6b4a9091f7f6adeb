package io.fleetlink.protocol;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Registers every JSON wire record for reflection in a native image: the controller reads agent
 * replies with {@code treeToValue(..., Type.class)}, which the REST layer cannot see statically.
 */
@RegisterForReflection(targets = {
        AgentResponse.class,
        PingInfo.class,
        SystemInfo.class, SystemInfo.Cpu.class, SystemInfo.Memory.class, SystemInfo.Disk.class, SystemInfo.Gpu.class,
        StopProcessRequest.class, StopProcessResult.class,
        ResetSshRequest.class, ResetSshResult.class,
        CleanupRequest.class, CleanupResult.class, CleanupResult.Step.class,
        MountDatasetRequest.class, MountResult.class,
        UnmountDatasetRequest.class, UnmountResult.class,
        ExecRequest.class, ExecResult.class })
final class WireTypes {

    private WireTypes() {
    }
}
