package io.fleetlink.controller.task;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.callback.OutboxRepository;
import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.client.Backoff;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationCalls;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.Pipeline;
import io.fleetlink.controller.operation.PipelineOutcome;
import io.fleetlink.controller.operation.ReplicaIdentity;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.fleetlink.protocol.StopProcessRequest;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Stops a task's processes through the agent: confirmed (or nothing was running) → STOPPED;
 * otherwise STOP_FAILED and the operation waits, PENDING, for a retry after a {@link Backoff} delay
 * (exponential, full jitter), until it succeeds or an operator cancels it.
 */
@ApplicationScoped
public class TaskStopPipeline implements Pipeline {

    private final Store store;
    private final AgentCalls agents;
    private final OperationCalls calls;
    private final OperationRepository operations;
    private final TaskRepository tasks;
    private final OutboxRepository outbox;
    private final ReplicaIdentity replica;
    private final Backoff backoff;

    public TaskStopPipeline(Store store, AgentCalls agents, OperationCalls calls, OperationRepository operations,
            TaskRepository tasks, OutboxRepository outbox, ReplicaIdentity replica, ControllerConfig config) {
        this.store = store;
        this.agents = agents;
        this.calls = calls;
        this.operations = operations;
        this.tasks = tasks;
        this.outbox = outbox;
        this.replica = replica;
        this.backoff = new Backoff(config.pipeline().retryInitialBackoff(), config.pipeline().retryMaxBackoff());
    }

    @Override
    public OperationType type() {
        return OperationType.TASK_STOP;
    }

    @Override
    public Uni<PipelineOutcome> run(Operation op) {
        String taskId = op.payload().taskId();
        return agents.stopProcess(op.hostId(), new StopProcessRequest(taskId, null, null), calls.recorded(op))
                .map(result -> (Throwable) null)
                .onFailure().recoverWithItem(failure -> failure)
                .chain(failure -> failure == null ? stopped(op) : stopFailed(op, failure));
    }

    private Uni<PipelineOutcome> stopped(Operation op) {
        Instant now = Sql.now();
        String taskId = op.payload().taskId();
        return store.inTransaction(tx -> operations.finish(tx, op.operationId(), replica.id(), OperationStatus.SUCCEEDED,
                        null, now)
                        .chain(() -> tasks.update(tx, taskId, TaskStatus.STOPPED, null, op.operationId(), now))
                        .chain(() -> outbox.add(tx, CallbackEvent.task(CallbackEvent.TASK_STOPPED, taskId, op.hostId(),
                                TaskStatus.STOPPED.name(), null, now))))
                .invoke(() -> Log.infof("Task %s on host %s is STOPPED (operation %s, run %d)", taskId, op.hostId(),
                        op.operationId(), op.runs()))
                .replaceWith(PipelineOutcome.succeeded());
    }

    private Uni<PipelineOutcome> stopFailed(Operation op, Throwable cause) {
        Instant now = Sql.now();
        String taskId = op.payload().taskId();
        String error = "stop failed: " + cause.getMessage();
        Duration delay = backoff.delay(op.runs(), ThreadLocalRandom.current());
        Log.errorf("Task stop failed: task %s, host %s, operation %s, run %d: %s; retried in %d s "
                + "(cancel with POST /api/v1/operations/%s/cancel)", taskId, op.hostId(), op.operationId(), op.runs(),
                cause.getMessage(), delay.toSeconds(), op.operationId());
        return store.inTransaction(tx -> operations.retryLater(tx, op.operationId(), replica.id(), error, now, now.plus(delay))
                        .chain(() -> tasks.update(tx, taskId, TaskStatus.STOP_FAILED, error, op.operationId(), now))
                        // The callback reports the transition into STOP_FAILED, not every failed retry.
                        .chain(before -> before == TaskStatus.STOP_FAILED
                                ? Uni.createFrom().voidItem()
                                : outbox.add(tx, CallbackEvent.task(CallbackEvent.TASK_STOP_FAILED, taskId, op.hostId(),
                                        TaskStatus.STOP_FAILED.name(), error, now))))
                .replaceWith(PipelineOutcome.retrying(cause));
    }
}
