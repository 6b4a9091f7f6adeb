package io.fleetlink.controller.task;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.api.ControllerException;
import io.fleetlink.controller.api.ControllerIds;
import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationPayload;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.PipelineRunner;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.smallrye.mutiny.Uni;

/**
 * Tasks: registration, reading, and the stop, which waits for the agent's answer (bounded by the
 * client deadline) and leaves a failed stop to a background retry an operator can cancel.
 */
@ApplicationScoped
public class TaskService {

    private final Store store;
    private final TaskRepository tasks;
    private final HostRepository hosts;
    private final OperationRepository operations;
    private final PipelineRunner runner;
    private final RequestChecks checks;

    public TaskService(Store store, TaskRepository tasks, HostRepository hosts, OperationRepository operations,
            PipelineRunner runner, RequestChecks checks) {
        this.store = store;
        this.tasks = tasks;
        this.hosts = hosts;
        this.operations = operations;
        this.runner = runner;
        this.checks = checks;
    }

    public Uni<Task> register(RegisterTaskRequest request) {
        return Uni.createFrom().deferred(() -> {
            checks.valid(request);
            Instant now = Sql.now();
            Task task = new Task(request.taskId(), request.hostId(), TaskStatus.RUNNING, null, null, now, now);
            return hosts.find(store.pool(), request.hostId())
                    .chain(host -> host == null
                            ? Uni.createFrom().failure(ControllerException.notFound("host_id: host '" + request.hostId()
                                    + "' is not registered; register it with POST /api/v1/hosts"))
                            : tasks.insert(store.pool(), task))
                    .onFailure(Sql::isUniqueViolation).transform(e -> ControllerException.conflict(
                            "task_id: task '" + request.taskId() + "' is already registered"))
                    .replaceWith(task);
        });
    }

    public Uni<Task> get(String taskId) {
        return Uni.createFrom().deferred(() -> tasks.find(store.pool(), validId(taskId)))
                .map(task -> {
                    if (task == null) {
                        throw notFound(taskId);
                    }
                    return task;
                });
    }

    /**
     * Stops the task's processes now and says how it went: the task STOPPED when the agent confirmed
     * (or nothing ran); otherwise the task STOP_FAILED with the agent's failure, while the same
     * operation is retried in the background.
     */
    public Uni<TaskStop> stop(String taskId) {
        return Uni.createFrom().deferred(() -> {
                    validId(taskId);
                    return store.inTransaction(tx -> tasks.find(tx, taskId)
                            .chain(task -> task == null
                                    ? Uni.createFrom().failure(notFound(taskId))
                                    : prepareStop(tx, task)));
                })
                .chain(op -> op == null
                        ? get(taskId).map(TaskStop::alreadyStopped)
                        : runner.claim(op.operationId(), true)
                                .chain(claimed -> claimed == null
                                        ? Uni.createFrom().failure(running(taskId, op.operationId()))
                                        : runner.run(claimed))
                                .chain(outcome -> get(taskId).map(task -> new TaskStop(task, op.operationId(), outcome))));
    }

    /** The stop operation to run now (new, or the PENDING retry); null when the task is already stopped. */
    private Uni<Operation> prepareStop(io.vertx.mutiny.sqlclient.SqlConnection tx, Task task) {
        if (task.status() == TaskStatus.STOPPED) {
            return Uni.createFrom().nullItem();
        }
        Uni<Operation> previous = task.operationId() == null
                ? Uni.createFrom().nullItem()
                : operations.find(tx, task.operationId());
        return previous.chain(op -> {
            if (op != null && op.status() == OperationStatus.RUNNING) {
                return Uni.createFrom().failure(running(task.taskId(), op.operationId()));
            }
            if (op != null && op.status() == OperationStatus.PENDING) {
                return Uni.createFrom().item(op);
            }
            // A stop acts for whoever holds the host now: it carries the host's current epoch.
            return hosts.epoch(tx, task.hostId()).chain(epoch -> {
                Operation fresh = Operation.pending(OperationType.TASK_STOP, task.taskId(), task.hostId(),
                        OperationPayload.taskStop(task.taskId(), epoch));
                TaskStatus next = task.status() == TaskStatus.STOP_FAILED ? TaskStatus.STOP_FAILED : TaskStatus.STOPPING;
                return operations.insert(tx, fresh)
                        .chain(() -> tasks.update(tx, task.taskId(), next, task.error(), fresh.operationId(), fresh.createdAt()))
                        .replaceWith(fresh);
            });
        });
    }

    private static ControllerException running(String taskId, String operationId) {
        return ControllerException.conflict("a stop of task " + taskId + " is already running (operation " + operationId
                + "); poll GET /api/v1/tasks/" + taskId);
    }

    private static String validId(String taskId) {
        return RequestChecks.id("task_id", taskId, ControllerIds.TASK_ID, ControllerIds.TASK_ID_RULE);
    }

    private static ControllerException notFound(String taskId) {
        return ControllerException.notFound("task " + taskId + " is not registered; register it with POST /api/v1/tasks");
    }
}
