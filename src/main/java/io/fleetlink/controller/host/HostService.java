package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.controller.api.ControllerException;
import io.fleetlink.controller.api.ControllerIds;
import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.client.AgentHealth;
import io.fleetlink.controller.client.CallContext;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationPayload;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.PipelineRunner;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.fleetlink.protocol.CheckGpuHealthResponse;
import io.fleetlink.protocol.GetSystemInfoResponse;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountDatasetResponse;
import io.fleetlink.protocol.Names;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountDatasetResponse;
import io.fleetlink.web.RequestIds;
import io.smallrye.mutiny.Uni;

/**
 * Hosts: registration, reading, deregistration, the agent pass-through calls, and manual cleanup
 * (which is how a QUARANTINED host becomes AVAILABLE again).
 */
@ApplicationScoped
public class HostService {

    /** How long registration waits for the agent's epoch before answering without it. */
    private static final java.time.Duration REGISTER_PING = java.time.Duration.ofSeconds(2);

    private final Store store;
    private final HostRepository hosts;
    private final OperationRepository operations;
    private final PipelineRunner runner;
    private final AgentCalls agents;
    private final RequestChecks checks;
    private final ControllerConfig config;
    private final StoreHostDirectory directory;

    public HostService(Store store, HostRepository hosts, OperationRepository operations, PipelineRunner runner,
            AgentCalls agents, RequestChecks checks, ControllerConfig config, StoreHostDirectory directory) {
        this.store = store;
        this.hosts = hosts;
        this.operations = operations;
        this.runner = runner;
        this.agents = agents;
        this.checks = checks;
        this.config = config;
        this.directory = directory;
    }

    public Uni<Host> register(RegisterHostRequest request) {
        return Uni.createFrom().deferred(() -> {
            checks.valid(request);
            Instant now = Sql.now();
            Host host = new Host(request.hostId(), request.address(), request.httpPort(), request.grpcPort(),
                    request.labels() == null ? Map.of() : Map.copyOf(request.labels()), HostState.AVAILABLE,
                    Reachability.UNKNOWN, null, null, now, now);
            return hosts.insert(store.pool(), host)
                    .onFailure(Sql::isUniqueViolation).transform(e -> ControllerException.conflict(
                            "host_id: host '" + request.hostId() + "' is already registered; deregister it first to change it"))
                    .invoke(() -> agents.forget(host.hostId()))
                    // A host registered again may have an agent that accepted higher epochs than this new row
                    // starts at: ask it now, so the first allocation goes above them (a stale-epoch refusal
                    // would also raise it, one call later).
                    .call(() -> agents.checkAgentHealth(host.hostId())
                            .ifNoItem().after(REGISTER_PING).recoverWithItem((AgentHealth) null))
                    .chain(() -> hosts.find(store.pool(), host.hostId()))
                    .map(stored -> stored != null ? stored : host);
        });
    }

    public Uni<Host> get(String hostId) {
        return Uni.createFrom().deferred(() -> hosts.find(store.pool(), validHostId(hostId)))
                .map(host -> {
                    if (host == null) {
                        throw notFound(hostId);
                    }
                    return host;
                });
    }

    public Uni<List<Host>> list() {
        return Uni.createFrom().deferred(() -> hosts.list(store.pool()));
    }

    public Uni<Void> deregister(String hostId) {
        return get(hostId)
                .chain(host -> hosts.deleteIfFree(store.pool(), hostId)
                        .invoke(deleted -> {
                            if (!deleted) {
                                throw ControllerException.conflict("host '" + hostId + "' is " + host.state()
                                        + (host.allocationId() != null ? " (allocation " + host.allocationId() + ")" : "")
                                        + "; release its allocation and wait until it is AVAILABLE or QUARANTINED");
                            }
                        }))
                .invoke(() -> agents.forget(hostId))
                .replaceWithVoid();
    }

    /**
     * Pings the host's agent now and records what it found. The fast path: whether the host is registered
     * and where its agent listens come from the host directory's cache, and an answer is written only when
     * this replica has not recorded one within the cache's ttl (see {@link StoreHostDirectory#recordPing}).
     */
    public Uni<AgentHealth> health(String hostId) {
        return Uni.createFrom().deferred(() -> directory.registered(validHostId(hostId)))
                .chain(registered -> {
                    if (!registered) {
                        return Uni.createFrom().failure(notFound(hostId));
                    }
                    return agents.checkAgentHealth(hostId);
                })
                .call(health -> directory.recordPing(hostId, health.reachable()));
    }

    /** The host's GPU health checks, run now by its agent; read-only on the machine and in the store. */
    public Uni<CheckGpuHealthResponse> gpuHealth(String hostId) {
        return Uni.createFrom().deferred(() -> agents.checkGpuHealth(validHostId(hostId)));
    }

    public Uni<GetSystemInfoResponse> systemInfo(String hostId) {
        return Uni.createFrom().deferred(() -> agents.getSystemInfo(validHostId(hostId)));
    }

    public Uni<ExecuteCommandResponse> exec(String hostId, ExecuteCommandRequest request, String requestId) {
        return Uni.createFrom().deferred(() -> {
            validHostId(hostId);
            checks.valid(request);
            return currentEpoch(hostId)
                    .chain(epoch -> agents.executeCommand(hostId, request, CallContext.of(validRequestId(requestId), epoch)));
        });
    }

    public Uni<MountDatasetResponse> mount(String hostId, MountDatasetRequest request, String requestId) {
        return Uni.createFrom().deferred(() -> {
            validHostId(hostId);
            checks.valid(request);
            return currentEpoch(hostId)
                    .chain(epoch -> agents.mountDataset(hostId, request, CallContext.of(validRequestId(requestId), epoch)));
        });
    }

    public Uni<UnmountDatasetResponse> unmount(String hostId, String datasetId, String requestId) {
        return Uni.createFrom().deferred(() -> {
            validHostId(hostId);
            RequestChecks.id("dataset_id", datasetId, Names.DATASET_ID, Names.DATASET_ID_RULE);
            if (datasetId.equals(".") || datasetId.equals("..")) {
                throw ControllerException.invalid("dataset_id", Names.DATASET_ID_RULE);
            }
            return currentEpoch(hostId)
                    .chain(epoch -> agents.unmountDataset(hostId, new UnmountDatasetRequest(datasetId),
                            CallContext.of(validRequestId(requestId), epoch)));
        });
    }

    /**
     * Starts a cleanup of an AVAILABLE or QUARANTINED host: it is RELEASING while the cleanup runs,
     * then AVAILABLE, or QUARANTINED again if a step failed.
     */
    public Uni<Operation> cleanup(String hostId, CleanupHostRequest request) {
        return Uni.createFrom().deferred(() -> {
                    validHostId(hostId);
                    checks.valid(request);
                    List<String> types = request.types() == null || request.types().isEmpty()
                            ? CleanupMachineRequest.CONTROLLER_TYPES
                            : List.copyOf(request.types());
                    return store.inTransaction(tx -> hosts.find(tx, hostId)
                            .chain(host -> {
                                if (host == null) {
                                    return Uni.createFrom().failure(notFound(hostId));
                                }
                                Instant now = Sql.now();
                                return hosts.transition(tx, hostId, List.of(HostState.AVAILABLE, HostState.QUARANTINED),
                                                HostState.RELEASING, host.allocationId(), now)
                                        .chain(moved -> moved
                                                ? hosts.epoch(tx, hostId)
                                                : Uni.createFrom().failure(ControllerException.conflict("host '" + hostId
                                                        + "' is " + host.state() + "; a manual cleanup needs it AVAILABLE "
                                                        + "or QUARANTINED")))
                                        // The cleanup acts under the host's new epoch: anything older is fenced.
                                        .chain(epoch -> {
                                            Operation op = Operation.pending(OperationType.HOST_CLEANUP, hostId, hostId,
                                                    OperationPayload.cleanup(host.allocationId(), request.user(), types, epoch));
                                            return operations.insert(tx, op).replaceWith(op);
                                        });
                            }));
                })
                .call(op -> runner.claimAndLaunch(op.operationId()));
    }

    /**
     * The host's current epoch, which an operator's call through the controller acts under; null for a
     * host known only from configuration (its calls go unfenced).
     */
    private Uni<Long> currentEpoch(String hostId) {
        // One read gives the epoch and refreshes the host's route in the directory, so the call that follows
        // resolves from the cache and still goes where the row says now (one store round trip, not two).
        return directory.readFresh(hostId).map(host -> host == null ? null : host.epoch());
    }

    static String validHostId(String hostId) {
        return RequestChecks.id("host_id", hostId, ControllerIds.HOST_ID, ControllerIds.HOST_ID_RULE);
    }

    private static String validRequestId(String requestId) {
        if (requestId == null || requestId.isEmpty()) {
            return null;
        }
        return RequestChecks.id(RequestIds.HEADER, requestId, RequestIds.PATTERN, RequestIds.RULE);
    }

    static ControllerException notFound(String hostId) {
        return ControllerException.notFound("host '" + hostId + "' is not registered; register it with POST /api/v1/hosts");
    }
}
