package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.callback.OutboxRepository;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationEnds;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.Pipeline;
import io.fleetlink.controller.operation.PipelineOutcome;
import io.fleetlink.controller.operation.ReplicaIdentity;
import io.fleetlink.controller.operation.TransitionNotMadeException;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.smallrye.mutiny.Uni;

/**
 * Cleans a RELEASING host outside a release (after a failed provisioning, or for an operator): a
 * clean machine goes back to AVAILABLE and a {@code host.cleaned} callback is sent; a failed cleanup
 * leaves it QUARANTINED. Either way a handover report is stored for the host's last allocation, which
 * becomes that allocation's report (a manual cleanup that frees a quarantined host supersedes the
 * failed release's report).
 */
@ApplicationScoped
public class HostCleanupPipeline implements Pipeline {

    private final Store store;
    private final OperationRepository operations;
    private final OperationEnds ends;
    private final HostRepository hosts;
    private final HandoverReportRepository reports;
    private final OutboxRepository outbox;
    private final MachineCleanup cleanup;
    private final ReplicaIdentity replica;
    private final QuarantineMetrics quarantines;

    public HostCleanupPipeline(Store store, OperationRepository operations, OperationEnds ends, HostRepository hosts,
            HandoverReportRepository reports, OutboxRepository outbox, MachineCleanup cleanup, ReplicaIdentity replica,
            QuarantineMetrics quarantines) {
        this.store = store;
        this.operations = operations;
        this.ends = ends;
        this.hosts = hosts;
        this.reports = reports;
        this.outbox = outbox;
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
        return cleanup.run(op, "Host cleanup")
                .chain(outcome -> record(op, outcome))
                .onFailure(TransitionNotMadeException.class)
                .recoverWithUni(e -> ends.transitionNotMade(op, (TransitionNotMadeException) e));
    }

    /** A clean host also loses its quarantine reason: a manual cleanup that succeeds frees it. */
    private Uni<PipelineOutcome> record(Operation op, CleanupOutcome outcome) {
        Instant now = Sql.now();
        boolean clean = outcome.clean();
        String allocationId = op.payload().allocationId();
        HostState to = clean ? HostState.AVAILABLE : HostState.QUARANTINED;
        CleanupVerdict verdict = outcome.verdict();
        HandoverReport report = HandoverReport.of(HandoverReport.HOST_CLEANUP, allocationId, op.hostId(), op.operationId(),
                clean, outcome.error(), op.epoch(), outcome.response(), outcome.startedAt(), outcome.finishedAt())
                .withQuarantineReason(verdict.quarantineReason());
        return store.inTransaction(tx -> operations.finish(tx, op.operationId(), replica.id(),
                        clean ? OperationStatus.SUCCEEDED : OperationStatus.FAILED, outcome.error(), now)
                        .chain(() -> TransitionNotMadeException.require(hosts.transition(tx, op.hostId(),
                                List.of(HostState.RELEASING), to, clean ? null : allocationId, now),
                                "host " + op.hostId() + " RELEASING → " + to))
                        .chain(() -> hosts.quarantineReason(tx, op.hostId(), verdict.quarantineReason()))
                        .chain(() -> reports.insert(tx, report, now))
                        .chain(() -> clean
                                ? outbox.add(tx, CallbackEvent.host(CallbackEvent.HOST_CLEANED, op.hostId(), allocationId,
                                        HostState.AVAILABLE.name(), null, now)
                                        .withReport(report, allocationId == null ? null
                                                : "/api/v1/allocations/" + allocationId + "/report"))
                                : Uni.createFrom().voidItem()))
                .invoke(() -> quarantines.quarantined(verdict))
                .replaceWith(clean ? PipelineOutcome.succeeded()
                        : PipelineOutcome.failed(outcome.failure() != null ? outcome.failure()
                                : new IllegalStateException(outcome.error())));
    }
}
