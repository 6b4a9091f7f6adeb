package io.fleetlink.controller.operation;

import java.util.Optional;

/**
 * How one run of a pipeline ended: the status it left the operation in; when the agent step failed,
 * why (callers waiting on a run, such as a task stop, map it to 502 or 504); and the operation the
 * run stored for what must happen next, which {@link PipelineRunner} launches once this run ended.
 */
public record PipelineOutcome(OperationStatus status, Throwable failure, Optional<String> followUpOperationId) {

    public PipelineOutcome(OperationStatus status, Throwable failure) {
        this(status, failure, Optional.empty());
    }

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

    /** This outcome, plus an operation the run stored (committed) that the runner is to launch next. */
    public PipelineOutcome followedBy(String operationId) {
        return new PipelineOutcome(status, failure, Optional.of(operationId));
    }
}
