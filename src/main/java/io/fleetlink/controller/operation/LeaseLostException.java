package io.fleetlink.controller.operation;

/**
 * This replica no longer owns the operation (its lease expired and another replica took it over, or
 * an operator cancelled it): its outcome must not be written; the owner finishes it.
 */
public class LeaseLostException extends RuntimeException {

    public LeaseLostException(String operationId) {
        super("operation " + operationId + " is no longer owned by this replica; its current owner finishes it");
    }
}
