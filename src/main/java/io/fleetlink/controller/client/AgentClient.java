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
 * One agent, one protocol: the seed's {@code Client} interface in Mutiny. Each call is a single
 * attempt bounded by {@link CallOptions#timeout()}; it fails only with an
 * {@link AgentClientException}, the same type for the same outcome on HTTP and gRPC. Retries,
 * breakers and metrics live a layer above, in {@code AgentClients}.
 *
 * <p>A cleanup whose steps failed is a result ({@link CleanupMachineResponse#success()} false), not an error:
 * the caller needs to know which steps failed.
 */
public interface AgentClient extends AutoCloseable {

    Uni<PingResponse> ping(CallOptions options);

    Uni<GetSystemInfoResponse> getSystemInfo(CallOptions options);

    /** CheckGpuHealth: the GPU health gate's checks now, with no side effect on the machine. */
    Uni<CheckGpuHealthResponse> checkGpuHealth(CallOptions options);

    Uni<StopProcessResponse> stopProcess(StopProcessRequest request, CallOptions options);

    Uni<ResetSshResponse> resetSsh(ResetSshRequest request, CallOptions options);

    Uni<CleanupMachineResponse> cleanupMachine(CleanupMachineRequest request, CallOptions options);

    Uni<MountDatasetResponse> mountDataset(MountDatasetRequest request, CallOptions options);

    Uni<UnmountDatasetResponse> unmountDataset(UnmountDatasetRequest request, CallOptions options);

    Uni<ExecuteCommandResponse> executeCommand(ExecuteCommandRequest request, CallOptions options);

    /** Releases the connection pool or channel; calls after close fail. */
    @Override
    void close();
}
