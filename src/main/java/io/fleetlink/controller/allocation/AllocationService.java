package io.fleetlink.controller.allocation;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.api.ControllerException;
import io.fleetlink.controller.api.ControllerIds;
import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.host.HandoverReport;
import io.fleetlink.controller.host.HandoverReportRepository;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.host.HostState;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationPayload;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.PipelineRunner;
import io.fleetlink.controller.store.Store;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.smallrye.mutiny.Uni;

/**
 * Allocations: each request persists the new state and its PENDING operation in one transaction,
 * answers at once, and launches the operation's pipeline, which reports back through callbacks.
 */
@ApplicationScoped
public class AllocationService {

    private static final int LIST_LIMIT = 500;

    private final Store store;
    private final AllocationRepository allocations;
    private final HostRepository hosts;
    private final OperationRepository operations;
    private final PipelineRunner runner;
    private final RequestChecks checks;
    private final HandoverReportRepository reports;

    public AllocationService(Store store, AllocationRepository allocations, HostRepository hosts,
            OperationRepository operations, PipelineRunner runner, RequestChecks checks, HandoverReportRepository reports) {
        this.reports = reports;
        this.store = store;
        this.allocations = allocations;
        this.hosts = hosts;
        this.operations = operations;
        this.runner = runner;
        this.checks = checks;
    }

    /**
     * AVAILABLE (and not OFFLINE) host → ALLOCATED under a new epoch, allocation PROVISIONING with that
     * epoch, ResetSSH launched carrying it.
     */
    public Uni<AllocationAccepted> allocate(AllocateRequest request) {
        return Uni.createFrom().deferred(() -> {
                    checks.valid(request);
                    String allocationId = UUID.randomUUID().toString();
                    Instant now = io.fleetlink.controller.store.Sql.now();
                    return store.inTransaction(tx -> hosts.allocate(tx, request.hostId(), allocationId, now)
                            .chain(epoch -> {
                                if (epoch == null) {
                                    return whyNotAvailable(tx, request.hostId()).replaceWith((Operation) null);
                                }
                                Operation op = Operation.pending(OperationType.ALLOCATION_PROVISION, allocationId,
                                        request.hostId(), OperationPayload.provision(allocationId, request.user(),
                                                request.sshPublicKeys(), epoch));
                                Allocation allocation = new Allocation(allocationId, request.hostId(), request.user(),
                                        List.copyOf(request.sshPublicKeys()), AllocationStatus.PROVISIONING, null,
                                        op.operationId(), op.createdAt(), op.createdAt(), epoch);
                                // Stored already claimed by this replica, launched once committed: no claim statement.
                                return allocations.insert(tx, allocation)
                                        .chain(() -> runner.insertClaimed(tx, op));
                            }));
                })
                .invoke(runner::launch)
                .map(op -> new AllocationAccepted(op.target(), AllocationStatus.PROVISIONING, op.operationId()));
    }

    /**
     * The handover report of the allocation's release (or of the host cleanup that followed it); 404 with
     * the allocation's status while there is none yet.
     */
    public Uni<HandoverReport> report(String allocationId) {
        return get(allocationId)
                .chain(allocation -> reports.latest(store.pool(), allocationId)
                        .map(report -> {
                            if (report == null) {
                                throw ControllerException.notFound("allocation " + allocationId + " has no handover report "
                                        + "yet: it is " + allocation.status() + "; a report is stored when its release "
                                        + "(or the cleanup of its host) ends");
                            }
                            return report;
                        }));
    }

    /** Where an allocation's handover report is read. */
    public static String reportPath(String allocationId) {
        return "/api/v1/allocations/" + allocationId + "/report";
    }

    public Uni<Allocation> get(String allocationId) {
        return Uni.createFrom().deferred(() -> allocations.find(store.pool(), validId(allocationId)))
                .map(allocation -> {
                    if (allocation == null) {
                        throw notFound(allocationId);
                    }
                    return allocation;
                });
    }

    public Uni<List<Allocation>> list(String hostId, String status) {
        return Uni.createFrom().deferred(() -> {
            String host = hostId == null || hostId.isEmpty()
                    ? null
                    : RequestChecks.id("host_id", hostId, ControllerIds.HOST_ID, ControllerIds.HOST_ID_RULE);
            AllocationStatus wanted = status == null || status.isEmpty()
                    ? null
                    : RequestChecks.oneOf("status", status, AllocationStatus.class);
            return allocations.list(store.pool(), host, wanted, LIST_LIMIT);
        });
    }

    /**
     * READY → RELEASING and CleanupMachine launched. Idempotent: an allocation already RELEASING,
     * RELEASED or CLEANUP_FAILED answers with its status and release operation.
     */
    public Uni<AllocationAccepted> release(String allocationId) {
        return Uni.createFrom().deferred(() -> {
                    validId(allocationId);
                    return store.inTransaction(tx -> allocations.find(tx, allocationId)
                            .chain(allocation -> {
                                if (allocation == null) {
                                    return Uni.createFrom().failure(notFound(allocationId));
                                }
                                return switch (allocation.status()) {
                                    case READY -> startRelease(tx, allocation);
                                    case RELEASING, RELEASED, CLEANUP_FAILED -> Uni.createFrom().item(new Releasing(
                                            new AllocationAccepted(allocationId, allocation.status(), allocation.operationId()),
                                            null));
                                    case PROVISIONING -> Uni.createFrom().failure(ControllerException.conflict("allocation "
                                            + allocationId + " is still PROVISIONING; release it once it is READY "
                                            + "(a FAILED allocation's host is cleaned automatically)"));
                                    case FAILED -> Uni.createFrom().failure(ControllerException.conflict("allocation "
                                            + allocationId + " FAILED and its host was cleaned automatically; "
                                            + "there is nothing to release"));
                                };
                            }));
                })
                // A release started now was stored claimed by this replica: launched at once. A repeat nudges a
                // RELEASING allocation whose operation nobody is running (claims only if due).
                .call(releasing -> {
                    if (releasing.started() != null) {
                        runner.launch(releasing.started());
                        return Uni.createFrom().voidItem();
                    }
                    return releasing.accepted().status() == AllocationStatus.RELEASING
                            ? runner.claimAndLaunch(releasing.accepted().operationId())
                            : Uni.createFrom().voidItem();
                })
                .map(Releasing::accepted);
    }

    /** What a release request found or did: the answer, and the release operation it stored (claimed), if any. */
    private record Releasing(AllocationAccepted accepted, Operation started) {
    }

    private Uni<Releasing> startRelease(io.vertx.mutiny.sqlclient.SqlConnection tx, Allocation allocation) {
        Instant now = io.fleetlink.controller.store.Sql.now();
        String allocationId = allocation.allocationId();
        String operationId = UUID.randomUUID().toString();
        return allocations.transition(tx, allocationId, AllocationStatus.READY, AllocationStatus.RELEASING,
                        null, operationId, now)
                .chain(moved -> moved
                        ? hosts.transition(tx, allocation.hostId(), List.of(HostState.ALLOCATED), HostState.RELEASING,
                                allocationId, now)
                        : Uni.createFrom().failure(ControllerException.conflict("allocation " + allocationId
                                + " changed while it was being released; read it again")))
                .chain(moved -> moved
                        ? hosts.epoch(tx, allocation.hostId())
                        : Uni.createFrom().failure(ControllerException.conflict("host " + allocation.hostId()
                                + " is no longer ALLOCATED to allocation " + allocationId + "; read it again")))
                .chain(epoch -> {
                    // The release acts under the host's new epoch: anything still in flight for the tenant is fenced.
                    Operation op = new Operation(operationId, OperationType.ALLOCATION_RELEASE, allocationId,
                            allocation.hostId(), io.fleetlink.controller.operation.OperationStatus.PENDING, 0, null, now,
                            now, null, OperationPayload.cleanup(allocationId, allocation.user(),
                                    CleanupMachineRequest.CONTROLLER_TYPES, epoch), 0, null);
                    return runner.insertClaimed(tx, op);
                })
                .map(claimed -> new Releasing(new AllocationAccepted(allocationId, AllocationStatus.RELEASING, operationId),
                        claimed));
    }

    private Uni<Void> whyNotAvailable(io.vertx.mutiny.sqlclient.SqlConnection tx, String hostId) {
        return hosts.find(tx, hostId)
                .chain(host -> {
                    if (host == null) {
                        return Uni.createFrom().failure(ControllerException.notFound("host_id: host '" + hostId
                                + "' is not registered; register it with POST /api/v1/hosts"));
                    }
                    if (host.drained()) {
                        return Uni.createFrom().failure(ControllerException.conflict("host '" + hostId + "' is drained ("
                                + host.drainReason() + "); it takes no new allocation until POST /api/v1/hosts/" + hostId
                                + "/undrain"));
                    }
                    String why = host.state() != HostState.AVAILABLE
                            ? "is " + host.state() + (host.state() == HostState.QUARANTINED
                                    ? " (a cleanup failed; POST /api/v1/hosts/" + hostId + "/cleanup must succeed first)"
                                    : "")
                            : "is OFFLINE (its agent did not answer the last pings)";
                    return Uni.createFrom().failure(ControllerException.conflict("host '" + hostId + "' " + why
                            + "; only an AVAILABLE host that is not OFFLINE can be allocated"));
                });
    }

    private static String validId(String allocationId) {
        return RequestChecks.id("allocation_id", allocationId, ControllerIds.UUID, ControllerIds.UUID_RULE);
    }

    private static ControllerException notFound(String allocationId) {
        return ControllerException.notFound("allocation " + allocationId + " does not exist");
    }
}
