package io.fleetlink.controller.client;

import io.fleetlink.protocol.CheckGpuHealthResponse;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.fleetlink.protocol.GetSystemInfoResponse;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountDatasetResponse;
import io.fleetlink.protocol.PingResponse;
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.ResetSshResponse;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountDatasetResponse;
import io.smallrye.mutiny.Uni;

/**
 * One agent through two credentials: ExecuteCommand with the exec credential
 * ({@code fleetlink.controller.agent-exec-token(-secret)}), everything else with the normal one, so the
 * normal credential never needs exec on the agent.
 */
final class ExecCredentialClient implements AgentClient {

    private final AgentClient normal;
    private final AgentClient exec;

    ExecCredentialClient(AgentClient normal, AgentClient exec) {
        this.normal = normal;
        this.exec = exec;
    }

    @Override
    public Uni<PingResponse> ping(CallOptions options) {
        return normal.ping(options);
    }

    @Override
    public Uni<GetSystemInfoResponse> getSystemInfo(CallOptions options) {
        return normal.getSystemInfo(options);
    }

    @Override
    public Uni<CheckGpuHealthResponse> checkGpuHealth(CallOptions options) {
        return normal.checkGpuHealth(options);
    }

    @Override
    public Uni<StopProcessResponse> stopProcess(StopProcessRequest request, CallOptions options) {
        return normal.stopProcess(request, options);
    }

    @Override
    public Uni<ResetSshResponse> resetSsh(ResetSshRequest request, CallOptions options) {
        return normal.resetSsh(request, options);
    }

    @Override
    public Uni<CleanupMachineResponse> cleanupMachine(CleanupMachineRequest request, CallOptions options) {
        return normal.cleanupMachine(request, options);
    }

    @Override
    public Uni<MountDatasetResponse> mountDataset(MountDatasetRequest request, CallOptions options) {
        return normal.mountDataset(request, options);
    }

    @Override
    public Uni<UnmountDatasetResponse> unmountDataset(UnmountDatasetRequest request, CallOptions options) {
        return normal.unmountDataset(request, options);
    }

    @Override
    public Uni<ExecuteCommandResponse> executeCommand(ExecuteCommandRequest request, CallOptions options) {
        return exec.executeCommand(request, options);
    }

    @Override
    public void close() {
        try {
            normal.close();
        } finally {
            exec.close();
        }
    }
}
