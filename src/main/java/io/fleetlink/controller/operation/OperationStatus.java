package io.fleetlink.controller.operation;

/** Where an operation stands; SUCCEEDED and FAILED are terminal. */
public enum OperationStatus {
    PENDING, RUNNING, SUCCEEDED, FAILED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED;
    }
}
