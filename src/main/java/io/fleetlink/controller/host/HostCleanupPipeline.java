package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.Pipeline;
import io.fleetlink.controller.operation.PipelineOutcome;
import io.fleetlink.controller.operation.ReplicaIdentity;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.smallrye.mutiny.Uni;

/**
 * Cleans a RELEASING host outside a release (after a failed provisioning, or for an operator): a
 * clean machine goes back to AVAILABLE, a failed cleanup leaves it QUARANTINED.
 */
@ApplicationScoped
public class HostCleanupPipeline implements Pipeline {

    private final Store store;
    private final OperationRepository operations;
    private final HostRepository hosts;
    private final MachineCleanup cleanup;
    private final ReplicaIdentity replica;
    private final QuarantineMetrics quarantines;

    public HostCleanupPipeline(Store store, OperationRepository operations, HostRepository hosts, MachineCleanup cleanup,
            ReplicaIdentity replica, QuarantineMetrics quarantines) {
        this.store = store;
        this.operations = operations;
        this.hosts = hosts;
        this.cleanup = cleanup;
        this.replica = replica;
        this.quarantines = quarantines;
    }

    @Override
    public OperationType type() {
        return OperationType.HOST_CLEANUP;
    }

    @Override
    public Uni<PipelineOutcome> run(Operation op) {
        return cleanup.verdict(op, "Host cleanup")
                .chain(verdict -> record(op, verdict));
    }

    /** A clean host also loses its quarantine reason: a manual cleanup that succeeds frees it. */
    private Uni<PipelineOutcome> record(Operation op, CleanupVerdict verdict) {
        String error = verdict.error();
        Instant now = Sql.now();
        boolean clean = error == null;
        return store.inTransaction(tx -> operations.finish(tx, op.operationId(), replica.id(),
                        clean ? OperationStatus.SUCCEEDED : OperationStatus.FAILED, error, now)
                        .chain(() -> hosts.transition(tx, op.hostId(), List.of(HostState.RELEASING),
                                clean ? HostState.AVAILABLE : HostState.QUARANTINED,
                                clean ? null : op.payload().allocationId(), now))
                        .call(moved -> moved
                                ? hosts.quarantineReason(tx, op.hostId(), verdict.quarantineReason())
                                : Uni.createFrom().voidItem()))
                .invoke(() -> quarantines.quarantined(verdict))
                .map(moved -> clean ? PipelineOutcome.succeeded() : PipelineOutcome.failed(new IllegalStateException(error)));
    }
}
