package io.fleetlink.controller.operation;

/**
 * How one run of a pipeline ended: the status it left the operation in and, when the agent step
 * failed, why (callers waiting on a run, such as a task stop, map it to 502 or 504).
 */
public record PipelineOutcome(OperationStatus status, Throwable failure) {

    public static PipelineOutcome succeeded() {
        return new PipelineOutcome(OperationStatus.SUCCEEDED, null);
    }

    public static PipelineOutcome failed(Throwable cause) {
        return new PipelineOutcome(OperationStatus.FAILED, cause);
    }

    /** The agent step failed and the operation waits, PENDING, for a retry. */
    public static PipelineOutcome retrying(Throwable cause) {
        return new PipelineOutcome(OperationStatus.PENDING, cause);
    }
}
