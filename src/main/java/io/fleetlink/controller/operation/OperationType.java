package io.fleetlink.controller.operation;

import com.fasterxml.jackson.annotation.JsonValue;

/** The kinds of durable work the controller sends to agents; the wire name is stored and shown. */
public enum OperationType {
    /** ResetSSH for a new allocation. */
    ALLOCATION_PROVISION("allocation.provision"),
    /** CleanupMachine when an allocation is released. */
    ALLOCATION_RELEASE("allocation.release"),
    /** CleanupMachine outside a release: after a failed provisioning, or asked for by an operator. */
    HOST_CLEANUP("host.cleanup"),
    /** StopProcess for a task; retried in the background until it succeeds or is cancelled. */
    TASK_STOP("task.stop");

    private final String wireName;

    OperationType(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    public static OperationType fromWire(String name) {
        for (OperationType type : values()) {
            if (type.wireName.equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown operation type " + name);
    }
}
