package io.fleetlink.controller.client;

import io.fleetlink.protocol.CleanupRequest;
import io.fleetlink.protocol.CleanupResult;
import io.fleetlink.protocol.ExecRequest;
import io.fleetlink.protocol.ExecResult;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountResult;
import io.fleetlink.protocol.PingInfo;
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.ResetSshResult;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResult;
import io.fleetlink.protocol.SystemInfo;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountResult;
import io.smallrye.mutiny.Uni;

/**
 * One agent, one protocol: the seed's {@code Client} interface in Mutiny. Each call is a single
 * attempt bounded by {@link CallOptions#timeout()}; it fails only with an
 * {@link AgentClientException}, the same type for the same outcome on HTTP and gRPC. Retries,
 * breakers and metrics live a layer above, in {@code AgentClients}.
 *
 * <p>A cleanup whose steps failed is a result ({@link CleanupResult#success()} false), not an error:
 * the caller needs to know which steps failed.
 */
public interface AgentClient extends AutoCloseable {

    Uni<PingInfo> ping(CallOptions options);

    Uni<SystemInfo> getSystemInfo(CallOptions options);

    Uni<StopProcessResult> stopProcess(StopProcessRequest request, CallOptions options);

    Uni<ResetSshResult> resetSsh(ResetSshRequest request, CallOptions options);

    Uni<CleanupResult> cleanupMachine(CleanupRequest request, CallOptions options);

    Uni<MountResult> mountDataset(MountDatasetRequest request, CallOptions options);

    Uni<UnmountResult> unmountDataset(UnmountDatasetRequest request, CallOptions options);

    Uni<ExecResult> executeCommand(ExecRequest request, CallOptions options);

    /** Releases the connection pool or channel; calls after close fail. */
    @Override
    void close();
}
