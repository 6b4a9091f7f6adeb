package io.fleetlink.controller.task;

import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.PipelineOutcome;

/**
 * How a task stop went: the task as it is now, the stop operation (null when nothing had to run)
 * and how its run ended.
 */
public record TaskStop(Task task, String operationId, PipelineOutcome outcome) {

    static TaskStop alreadyStopped(Task task) {
        return new TaskStop(task, null, PipelineOutcome.succeeded());
    }

    /** The agent confirmed, or the task was already stopped. */
    public boolean stopped() {
        return outcome.status() == OperationStatus.SUCCEEDED || task.status() == TaskStatus.STOPPED;
    }

    /** The agent step failed and the stop is retried in the background. */
    public boolean retrying() {
        return outcome.status() == OperationStatus.PENDING;
    }
}
