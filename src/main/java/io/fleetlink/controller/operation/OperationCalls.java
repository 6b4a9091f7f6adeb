package io.fleetlink.controller.operation;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.controller.client.AttemptLog;
import io.fleetlink.controller.client.CallAttempt;
import io.fleetlink.controller.client.CallContext;
import io.fleetlink.controller.store.Store;
import io.smallrye.mutiny.Uni;

/**
 * The {@link CallContext} a pipeline's agent call runs under: the operation id as request id (so the
 * agent runs the work once across attempts, retries and resumes), the operation's epoch, every attempt
 * recorded in the operation's attempt log, and the retry budget {@code fleetlink.controller.pipeline.retry-for}.
 */
@ApplicationScoped
public class OperationCalls {

    private final Store store;
    private final OperationRepository operations;
    private final Duration retryFor;

    public OperationCalls(Store store, OperationRepository operations, ControllerConfig config) {
        this.store = store;
        this.operations = operations;
        this.retryFor = config.pipeline().retryFor();
    }

    /** The context of {@code op}'s agent call, with the retry budget. */
    public CallContext budgeted(Operation op) {
        return CallContext.of(op.operationId(), op.epoch()).recorded(log(op), retryFor);
    }

    /** The context of {@code op}'s agent call without the budget (its pipeline retries in the background). */
    public CallContext recorded(Operation op) {
        return CallContext.of(op.operationId(), op.epoch()).recorded(log(op), null);
    }

    private AttemptLog log(Operation op) {
        return new AttemptLog() {
            @Override
            public Uni<Void> attempted(CallAttempt attempt) {
                return operations.recordAttempt(store.pool(), op.operationId(), attempt);
            }

            @Override
            public Uni<Void> epochRaised(long epoch) {
                return operations.updatePayload(store.pool(), op.operationId(), op.payload().withEpoch(epoch));
            }
        };
    }
}
