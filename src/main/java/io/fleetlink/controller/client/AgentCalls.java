package io.fleetlink.controller.client;

import java.time.Duration;
import java.util.UUID;
import java.util.function.BiFunction;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.protocol.AgentRpc;
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
 * The facade the rest of the controller uses to ask agents for work (the seed's
 * {@code agent_service.go}): one method per operation, taking a host id. Every call has a deadline
 * ({@code agent.timeout} or {@code fleetlink.controller.timeouts.<operation>}), is retried on
 * unreachable / timeout / 5xx with full-jitter backoff up to {@code fleetlink.controller.retry.max-attempts},
 * passes the host's circuit breaker, and fails only with an {@code AgentClientException} (or
 * {@code UnknownHostIdException}). Mutations take a request id the agent deduplicates: pass the same id
 * when repeating the same request (a pipeline resuming after a restart), or null for a fresh one.
 */
@ApplicationScoped
public class AgentCalls {

    private final HostDirectory hosts;
    private final AgentClients clients;

    public AgentCalls(HostDirectory hosts, AgentClients clients) {
        this.hosts = hosts;
        this.clients = clients;
    }

    /** Liveness of the agent. Read-only: retried on unreachable, timeout and 5xx. */
    public Uni<PingResponse> ping(String hostId) {
        return call(hostId, AgentRpc.PING, null, null, (client, options) -> client.ping(options));
    }

    /** The machine's facts. Read-only: retried on unreachable, timeout and 5xx. */
    public Uni<GetSystemInfoResponse> getSystemInfo(String hostId) {
        return call(hostId, AgentRpc.SYSTEM_INFO, null, null, (client, options) -> client.getSystemInfo(options));
    }

    /**
     * The GPU health gate's checks now (nothing signalled, reset or recorded on the machine). Read-only:
     * retried on unreachable, timeout and 5xx like ping; deadline {@code fleetlink.controller.timeouts.gpu-health}.
     */
    public Uni<CheckGpuHealthResponse> checkGpuHealth(String hostId) {
        return call(hostId, AgentRpc.GPU_HEALTH, null, null, (client, options) -> client.checkGpuHealth(options));
    }

    /** Stops a task's processes. Idempotent on the agent; retried with the same request id. */
    public Uni<StopProcessResponse> stopProcess(String hostId, StopProcessRequest request, String requestId) {
        return call(hostId, AgentRpc.PROCESS_STOP, requestId(requestId), null,
                (client, options) -> client.stopProcess(request, options));
    }

    /** Replaces a user's keys. Idempotent on the agent; retried with the same request id. */
    public Uni<ResetSshResponse> resetSsh(String hostId, ResetSshRequest request, String requestId) {
        return call(hostId, AgentRpc.SSH_RESET, requestId(requestId), null,
                (client, options) -> client.resetSsh(request, options));
    }

    /**
     * Cleans the machine. Idempotent on the agent; retried with the same request id. Failed steps come
     * back as a result with {@code success} false, not as an error.
     */
    public Uni<CleanupMachineResponse> cleanupMachine(String hostId, CleanupMachineRequest request, String requestId) {
        return call(hostId, AgentRpc.MACHINE_CLEANUP, requestId(requestId), null,
                (client, options) -> client.cleanupMachine(request, options));
    }

    /** Mounts a dataset. Idempotent on the agent; retried with the same request id. */
    public Uni<MountDatasetResponse> mountDataset(String hostId, MountDatasetRequest request, String requestId) {
        return call(hostId, AgentRpc.DATASET_MOUNT, requestId(requestId), null,
                (client, options) -> client.mountDataset(request, options));
    }

    /** Unmounts a dataset. Idempotent on the agent; retried with the same request id. */
    public Uni<UnmountDatasetResponse> unmountDataset(String hostId, UnmountDatasetRequest request, String requestId) {
        return call(hostId, AgentRpc.DATASET_UNMOUNT, requestId(requestId), null,
                (client, options) -> client.unmountDataset(request, options));
    }

    /**
     * Runs a command. Its deadline is the command's timeout plus a margin; it is retried only when no
     * connection could be made (refused, no route), since a command is not idempotent once it ran.
     */
    public Uni<ExecuteCommandResponse> executeCommand(String hostId, ExecuteCommandRequest request, String requestId) {
        return call(hostId, AgentRpc.COMMAND_EXEC, requestId(requestId), request.timeoutSeconds(),
                (client, options) -> client.executeCommand(request, options));
    }

    /**
     * Pings the host once, now, without retries (through its breaker); never fails: an unreachable
     * agent is a result (reachable false, with the error), not an error.
     */
    public Uni<AgentHealth> checkAgentHealth(String hostId) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            return hosts.resolve(hostId)
                    .chain(address -> clients.callOnce(address, AgentRpc.PING, (client, options) -> client.ping(options)))
                    .map(info -> AgentHealth.up(hostId, Duration.ofNanos(System.nanoTime() - started)))
                    .onFailure().recoverWithItem(e -> AgentHealth.down(hostId, Duration.ofNanos(System.nanoTime() - started), e.getMessage()))
                    .invoke(health -> clients.recordHealth(health.reachable()));
        });
    }

    /** Forgets the client and breaker of a host that was deregistered or moved. */
    public void forget(String hostId) {
        clients.evict(hostId);
    }

    private <T> Uni<T> call(String hostId, AgentRpc operation, String requestId, Integer execTimeoutSeconds,
            BiFunction<AgentClient, CallOptions, Uni<T>> body) {
        return hosts.resolve(hostId)
                .chain(address -> clients.call(address, operation, requestId, execTimeoutSeconds, body));
    }

    private static String requestId(String requestId) {
        return requestId != null ? requestId : UUID.randomUUID().toString();
    }
}
