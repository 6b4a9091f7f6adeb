package io.fleetlink.controller.callback;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A status callback as POSTed to {@code fleetlink.controller.callback.url}; {@code event_id} lets the
 * receiver drop a repeated delivery.
 */
public record CallbackEvent(
        String eventId,
        String type,
        @JsonInclude(JsonInclude.Include.NON_NULL) String allocationId,
        @JsonInclude(JsonInclude.Include.NON_NULL) String taskId,
        String hostId,
        String status,
        @JsonInclude(JsonInclude.Include.NON_NULL) String error,
        Instant occurredAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String quarantineReason) {

    public static final String ALLOCATION_READY = "allocation.ready";
    public static final String ALLOCATION_FAILED = "allocation.failed";
    public static final String ALLOCATION_RELEASED = "allocation.released";
    public static final String ALLOCATION_CLEANUP_FAILED = "allocation.cleanup_failed";
    public static final String TASK_STOPPED = "task.stopped";
    public static final String TASK_STOP_FAILED = "task.stop_failed";

    public CallbackEvent(String eventId, String type, String allocationId, String taskId, String hostId, String status,
            String error, Instant occurredAt) {
        this(eventId, type, allocationId, taskId, hostId, status, error, occurredAt, null);
    }

    public static CallbackEvent allocation(String type, String allocationId, String hostId, String status, String error,
            Instant at) {
        return new CallbackEvent(UUID.randomUUID().toString(), type, allocationId, null, hostId, status, error, at);
    }

    /** An allocation event that also says why its host was QUARANTINED ({@code quarantine_reason}). */
    public static CallbackEvent allocation(String type, String allocationId, String hostId, String status, String error,
            String quarantineReason, Instant at) {
        return new CallbackEvent(UUID.randomUUID().toString(), type, allocationId, null, hostId, status, error, at,
                quarantineReason);
    }

    public static CallbackEvent task(String type, String taskId, String hostId, String status, String error, Instant at) {
        return new CallbackEvent(UUID.randomUUID().toString(), type, null, taskId, hostId, status, error, at);
    }
}
