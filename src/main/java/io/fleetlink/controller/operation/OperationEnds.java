package io.fleetlink.controller.operation;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Ends an operation whose outcome could not be stored because a transition it relied on did not
 * happen: FAILED, with what did not happen as its error, logged; no callback is sent for an outcome
 * that was never stored.
 */
@ApplicationScoped
public class OperationEnds {

    private final Store store;
    private final OperationRepository operations;
    private final ReplicaIdentity replica;

    public OperationEnds(Store store, OperationRepository operations, ReplicaIdentity replica) {
        this.store = store;
        this.operations = operations;
        this.replica = replica;
    }

    public Uni<PipelineOutcome> transitionNotMade(Operation op, TransitionNotMadeException e) {
        Log.errorf("Operation %s (%s, target %s, host %s) failed: %s", op.operationId(), op.type().wireName(), op.target(),
                op.hostId(), e.getMessage());
        return store.inTransaction(tx -> operations.finish(tx, op.operationId(), replica.id(), OperationStatus.FAILED,
                        e.getMessage(), Sql.now()))
                .replaceWith(PipelineOutcome.failed(e));
    }
}
