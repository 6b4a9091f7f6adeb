package io.fleetlink.controller.operation;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.api.ControllerException;
import io.fleetlink.controller.api.ControllerIds;
import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.smallrye.mutiny.Uni;

/** Reading operations, and an operator giving up a task stop that keeps failing. */
@ApplicationScoped
public class OperationService {

    private static final int LIST_LIMIT = 500;

    private final Store store;
    private final OperationRepository operations;

    public OperationService(Store store, OperationRepository operations) {
        this.store = store;
        this.operations = operations;
    }

    /** The operation with every agent call attempt it made. */
    public Uni<Operation> get(String operationId) {
        return Uni.createFrom().deferred(() -> operations.find(store.pool(), validId(operationId)))
                .chain(op -> {
                    if (op == null) {
                        return Uni.createFrom().failure(notFound(operationId));
                    }
                    return operations.attempts(store.pool(), operationId)
                            .map(op::withAttemptLog);
                });
    }

    /** Newest first; {@code target} matches the allocation, task or host an operation is for. */
    public Uni<List<Operation>> list(String target) {
        return Uni.createFrom().deferred(() -> {
            String wanted = target == null || target.isEmpty()
                    ? null
                    : RequestChecks.id("target", target, ControllerIds.TASK_ID, ControllerIds.TASK_ID_RULE);
            return operations.list(store.pool(), wanted, LIST_LIMIT);
        });
    }

    /**
     * Gives up a task stop waiting for its next retry: the operation ends FAILED ("cancelled by an
     * operator") and the task stays STOP_FAILED. Only PENDING task stops can be cancelled; a running
     * one answers 409 (try again when it has ended), allocation and cleanup operations always end by
     * themselves.
     */
    public Uni<Operation> cancel(String operationId) {
        return get(operationId)
                .chain(op -> {
                    if (op.type() != OperationType.TASK_STOP) {
                        return Uni.createFrom().failure(ControllerException.conflict("operation " + operationId + " is a "
                                + op.type().wireName() + "; only task.stop operations can be cancelled, the others end by themselves"));
                    }
                    return operations.cancel(store.pool(), operationId, Sql.now())
                            .chain(cancelled -> cancelled
                                    ? get(operationId)
                                    : Uni.createFrom().failure(ControllerException.conflict("operation " + operationId + " is "
                                            + op.status() + "; only a PENDING task stop (waiting for its retry) can be "
                                            + "cancelled" + (op.status() == OperationStatus.RUNNING ? ": try again in a moment" : ""))));
                });
    }

    private static String validId(String operationId) {
        return RequestChecks.id("operation_id", operationId, ControllerIds.UUID, ControllerIds.UUID_RULE);
    }

    private static ControllerException notFound(String operationId) {
        return ControllerException.notFound("operation " + operationId + " does not exist");
    }
}
