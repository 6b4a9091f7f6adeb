package io.fleetlink.controller.allocation;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.callback.OutboxRepository;
import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.host.HostState;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationCalls;
import io.fleetlink.controller.operation.OperationEnds;
import io.fleetlink.controller.operation.OperationPayload;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.Pipeline;
import io.fleetlink.controller.operation.PipelineOutcome;
import io.fleetlink.controller.operation.ReplicaIdentity;
import io.fleetlink.controller.operation.TransitionNotMadeException;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.ResetSshRequest;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Provisions an allocation: ResetSSH installs the tenant's keys under the allocation's epoch (retried
 * within the pipeline retry budget) → READY. When it fails the allocation is FAILED and the host goes
 * to a cleanup, never to the tenant half-provisioned. Every transition is checked: one that did not
 * happen fails the operation and sends no callback.
 */
@ApplicationScoped
public class ProvisionPipeline implements Pipeline {

    private final Store store;
    private final AgentCalls agents;
    private final OperationCalls calls;
    private final OperationEnds ends;
    private final OperationRepository operations;
    private final AllocationRepository allocations;
    private final HostRepository hosts;
    private final OutboxRepository outbox;
    private final ReplicaIdentity replica;

    public ProvisionPipeline(Store store, AgentCalls agents, OperationCalls calls, OperationEnds ends,
            OperationRepository operations, AllocationRepository allocations, HostRepository hosts, OutboxRepository outbox,
            ReplicaIdentity replica) {
        this.store = store;
        this.agents = agents;
        this.calls = calls;
        this.ends = ends;
        this.operations = operations;
        this.allocations = allocations;
        this.hosts = hosts;
        this.outbox = outbox;
        this.replica = replica;
    }

    @Override
    public OperationType type() {
        return OperationType.ALLOCATION_PROVISION;
    }

    @Override
    public Uni<PipelineOutcome> run(Operation op) {
        OperationPayload payload = op.payload();
        ResetSshRequest request = new ResetSshRequest(payload.user(), payload.sshPublicKeys(), true);
        return agents.resetSsh(op.hostId(), request, calls.budgeted(op))
                .map(result -> (Throwable) null)
                .onFailure().recoverWithItem(failure -> failure)
                .chain(failure -> failure == null ? ready(op) : failed(op, failure))
                .onFailure(TransitionNotMadeException.class)
                .recoverWithUni(e -> ends.transitionNotMade(op, (TransitionNotMadeException) e));
    }

    private Uni<PipelineOutcome> ready(Operation op) {
        Instant now = Sql.now();
        String allocationId = op.payload().allocationId();
        return store.inTransaction(tx -> operations.finish(tx, op.operationId(), replica.id(), OperationStatus.SUCCEEDED,
                        null, now)
                        .chain(() -> TransitionNotMadeException.require(allocations.transition(tx, allocationId,
                                AllocationStatus.PROVISIONING, AllocationStatus.READY, null, null, now),
                                "allocation " + allocationId + " PROVISIONING → READY"))
                        .chain(() -> outbox.add(tx, CallbackEvent.allocation(CallbackEvent.ALLOCATION_READY, allocationId,
                                op.hostId(), AllocationStatus.READY.name(), null, now))))
                .invoke(() -> Log.infof("Allocation %s on host %s is READY (operation %s, epoch %s)", allocationId,
                        op.hostId(), op.operationId(), op.epoch()))
                .replaceWith(PipelineOutcome.succeeded());
    }

    private Uni<PipelineOutcome> failed(Operation op, Throwable cause) {
        Instant now = Sql.now();
        String allocationId = op.payload().allocationId();
        String error = "ssh reset failed: " + (cause.getMessage() != null ? cause.getMessage() : cause.toString());
        Log.errorf("Allocation failed: allocation %s, host %s, operation %s, run %d: %s; the host is cleaned "
                + "before it can be allocated again", allocationId, op.hostId(), op.operationId(), op.runs(), error);
        return store.inTransaction(tx -> operations.finish(tx, op.operationId(), replica.id(), OperationStatus.FAILED,
                        error, now)
                        .chain(() -> TransitionNotMadeException.require(allocations.transition(tx, allocationId,
                                AllocationStatus.PROVISIONING, AllocationStatus.FAILED, error, null, now),
                                "allocation " + allocationId + " PROVISIONING → FAILED"))
                        .chain(() -> outbox.add(tx, CallbackEvent.allocation(CallbackEvent.ALLOCATION_FAILED, allocationId,
                                op.hostId(), AllocationStatus.FAILED.name(), error, now)))
                        .chain(() -> TransitionNotMadeException.require(hosts.transition(tx, op.hostId(),
                                List.of(HostState.ALLOCATED), HostState.RELEASING, allocationId, now),
                                "host " + op.hostId() + " ALLOCATED → RELEASING"))
                        .chain(() -> hosts.epoch(tx, op.hostId()))
                        .chain(epoch -> {
                            Operation cleanup = Operation.pending(OperationType.HOST_CLEANUP, op.hostId(), op.hostId(),
                                    OperationPayload.cleanup(allocationId, op.payload().user(),
                                            CleanupMachineRequest.CONTROLLER_TYPES, epoch));
                            return operations.insert(tx, cleanup).replaceWith(cleanup);
                        }))
                .map(cleanup -> PipelineOutcome.failed(cause).followedBy(cleanup.operationId()));
    }
}
