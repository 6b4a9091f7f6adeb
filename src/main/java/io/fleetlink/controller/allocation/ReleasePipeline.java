package io.fleetlink.controller.allocation;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.callback.OutboxRepository;
import io.fleetlink.controller.host.CleanupOutcome;
import io.fleetlink.controller.host.HandoverReport;
import io.fleetlink.controller.host.HandoverReportRepository;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.host.HostState;
import io.fleetlink.controller.host.CleanupVerdict;
import io.fleetlink.controller.host.MachineCleanup;
import io.fleetlink.controller.host.QuarantineMetrics;
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
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Releases an allocation: CleanupMachine of every type (within the retry budget) → RELEASED and the
 * host AVAILABLE; any failed step → CLEANUP_FAILED and the host QUARANTINED until a manual cleanup
 * succeeds. Either way the handover report is stored with the transition and carried by the callback.
 */
@ApplicationScoped
public class ReleasePipeline implements Pipeline {

    private final Store store;
    private final MachineCleanup cleanup;
    private final OperationEnds ends;
    private final OperationRepository operations;
    private final AllocationRepository allocations;
    private final HostRepository hosts;
    private final HandoverReportRepository reports;
    private final OutboxRepository outbox;
    private final ReplicaIdentity replica;
    private final QuarantineMetrics quarantines;

    public ReleasePipeline(Store store, MachineCleanup cleanup, OperationEnds ends, OperationRepository operations,
            AllocationRepository allocations, HostRepository hosts, HandoverReportRepository reports,
            OutboxRepository outbox, ReplicaIdentity replica, QuarantineMetrics quarantines) {
        this.store = store;
        this.cleanup = cleanup;
        this.ends = ends;
        this.operations = operations;
        this.allocations = allocations;
        this.hosts = hosts;
        this.reports = reports;
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
        return cleanup.run(op, "Release")
                .chain(outcome -> record(op, outcome))
                .onFailure(TransitionNotMadeException.class)
                .recoverWithUni(e -> ends.transitionNotMade(op, (TransitionNotMadeException) e));
    }

    private Uni<PipelineOutcome> record(Operation op, CleanupOutcome outcome) {
        Instant now = Sql.now();
        boolean clean = outcome.clean();
        String error = outcome.error();
        String allocationId = op.payload().allocationId();
        AllocationStatus status = clean ? AllocationStatus.RELEASED : AllocationStatus.CLEANUP_FAILED;
        HostState hostState = clean ? HostState.AVAILABLE : HostState.QUARANTINED;
        CleanupVerdict verdict = outcome.verdict();
        HandoverReport report = HandoverReport.of(HandoverReport.RELEASE, allocationId, op.hostId(), op.operationId(),
                clean, error, op.epoch(), outcome.response(), outcome.startedAt(), outcome.finishedAt())
                .withQuarantineReason(verdict.quarantineReason());
        return store.inTransaction(tx -> operations.finish(tx, op.operationId(), replica.id(),
                        clean ? OperationStatus.SUCCEEDED : OperationStatus.FAILED, error, now)
                        .chain(() -> TransitionNotMadeException.require(allocations.transition(tx, allocationId,
                                AllocationStatus.RELEASING, status, error, null, now),
                                "allocation " + allocationId + " RELEASING → " + status))
                        .chain(() -> TransitionNotMadeException.require(hosts.transition(tx, op.hostId(),
                                List.of(HostState.RELEASING), hostState, clean ? null : allocationId, now),
                                "host " + op.hostId() + " RELEASING → " + hostState))
                        .chain(() -> hosts.quarantineReason(tx, op.hostId(), verdict.quarantineReason()))
                        .chain(() -> reports.insert(tx, report, now))
                        .chain(() -> outbox.add(tx, CallbackEvent.allocation(
                                clean ? CallbackEvent.ALLOCATION_RELEASED : CallbackEvent.ALLOCATION_CLEANUP_FAILED,
                                allocationId, op.hostId(), status.name(), error, verdict.quarantineReason(), now)
                                .withReport(report, AllocationService.reportPath(allocationId)))))
                .invoke(() -> quarantines.quarantined(verdict))
                .invoke(() -> {
                    if (clean) {
                        Log.infof("Allocation %s on host %s is RELEASED (operation %s): %d processes ended, %d data "
                                + "entries removed, %d keys revoked, %d containers removed, %d datasets unmounted",
                                allocationId, op.hostId(), op.operationId(), report.processesEnded().count(),
                                report.dataEntriesRemoved().count(), report.keysRevoked().count(),
                                report.containersRemoved().count(), report.datasetsUnmounted().count());
                    }
                })
                .replaceWith(clean ? PipelineOutcome.succeeded() : PipelineOutcome.failed(failure(outcome)));
    }

    static Throwable failure(CleanupOutcome outcome) {
        return outcome.failure() != null ? outcome.failure() : new IllegalStateException(outcome.error());
    }
}
