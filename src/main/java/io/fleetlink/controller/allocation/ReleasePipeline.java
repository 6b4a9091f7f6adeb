package io.fleetlink.controller.allocation;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.callback.OutboxRepository;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.host.HostState;
import io.fleetlink.controller.host.CleanupVerdict;
import io.fleetlink.controller.host.MachineCleanup;
import io.fleetlink.controller.host.QuarantineMetrics;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.Pipeline;
import io.fleetlink.controller.operation.PipelineOutcome;
import io.fleetlink.controller.operation.ReplicaIdentity;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Releases an allocation: CleanupMachine of every type → RELEASED and the host AVAILABLE; any failed
 * step → CLEANUP_FAILED and the host QUARANTINED until a manual cleanup succeeds.
 */
@ApplicationScoped
public class ReleasePipeline implements Pipeline {

    private final Store store;
    private final MachineCleanup cleanup;
    private final OperationRepository operations;
    private final AllocationRepository allocations;
    private final HostRepository hosts;
    private final OutboxRepository outbox;
    private final ReplicaIdentity replica;
    private final QuarantineMetrics quarantines;

    public ReleasePipeline(Store store, MachineCleanup cleanup, OperationRepository operations,
            AllocationRepository allocations, HostRepository hosts, OutboxRepository outbox, ReplicaIdentity replica,
            QuarantineMetrics quarantines) {
        this.store = store;
        this.cleanup = cleanup;
        this.operations = operations;
        this.allocations = allocations;
        this.hosts = hosts;
        this.outbox = outbox;
        this.replica = replica;
        this.quarantines = quarantines;
    }

    @Override
    public OperationType type() {
        return OperationType.ALLOCATION_RELEASE;
    }

    @Override
    public Uni<PipelineOutcome> run(Operation op) {
        return cleanup.verdict(op, "Release")
                .chain(verdict -> record(op, verdict));
    }

    private Uni<PipelineOutcome> record(Operation op, CleanupVerdict verdict) {
        String error = verdict.error();
        Instant now = Sql.now();
        boolean clean = error == null;
        String allocationId = op.payload().allocationId();
        AllocationStatus status = clean ? AllocationStatus.RELEASED : AllocationStatus.CLEANUP_FAILED;
        return store.inTransaction(tx -> operations.finish(tx, op.operationId(), replica.id(),
                        clean ? OperationStatus.SUCCEEDED : OperationStatus.FAILED, error, now)
                        .chain(() -> allocations.transition(tx, allocationId, AllocationStatus.RELEASING, status, error,
                                null, now))
                        .chain(() -> hosts.transition(tx, op.hostId(), List.of(HostState.RELEASING),
                                clean ? HostState.AVAILABLE : HostState.QUARANTINED, clean ? null : allocationId, now))
                        .chain(() -> hosts.quarantineReason(tx, op.hostId(), verdict.quarantineReason()))
                        .chain(() -> outbox.add(tx, CallbackEvent.allocation(
                                clean ? CallbackEvent.ALLOCATION_RELEASED : CallbackEvent.ALLOCATION_CLEANUP_FAILED,
                                allocationId, op.hostId(), status.name(), error, verdict.quarantineReason(), now))))
                .invoke(() -> quarantines.quarantined(verdict))
                .invoke(() -> {
                    if (clean) {
                        Log.infof("Allocation %s on host %s is RELEASED (operation %s)", allocationId, op.hostId(),
                                op.operationId());
                    }
                })
                .replaceWith(clean ? PipelineOutcome.succeeded() : PipelineOutcome.failed(new IllegalStateException(error)));
    }
}
