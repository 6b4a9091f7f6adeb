package io.fleetlink.protocol;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Registers every JSON wire record for reflection in a native image: the controller reads agent
 * replies with {@code treeToValue(..., Type.class)}, which the REST layer cannot see statically.
 */
@RegisterForReflection(targets = {
        PingResponse.class,
        GetSystemInfoResponse.class, GetSystemInfoResponse.Cpu.class, GetSystemInfoResponse.Memory.class, GetSystemInfoResponse.Disk.class, GetSystemInfoResponse.Gpu.class,
        StopProcessRequest.class, StopProcessResponse.class, StopProcessResponse.Found.class,
        ResetSshRequest.class, ResetSshResponse.class,
        CleanupMachineRequest.class, CleanupMachineResponse.class, CleanupMachineResponse.Step.class,
        MountDatasetRequest.class, MountDatasetResponse.class,
        UnmountDatasetRequest.class, UnmountDatasetResponse.class,
        ExecuteCommandRequest.class, ExecuteCommandResponse.class,
        CheckGpuHealthResponse.class, CheckGpuHealthResponse.Gpu.class, CheckGpuHealthResponse.Check.class })
final class WireTypes {

    private WireTypes() {
    }
}
