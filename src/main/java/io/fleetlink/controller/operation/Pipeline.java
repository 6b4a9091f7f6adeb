package io.fleetlink.controller.operation;

import io.smallrye.mutiny.Uni;

/**
 * The steps of one operation type. {@link #run} gets an operation this replica has claimed and
 * writes its outcome (terminal, or PENDING for a later retry) itself; it fails only when that write
 * fails or the lease was lost, and then the operation is resumed when its lease expires.
 */
public interface Pipeline {

    OperationType type();

    Uni<PipelineOutcome> run(Operation operation);
}
