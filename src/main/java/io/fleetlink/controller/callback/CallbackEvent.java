package io.fleetlink.controller.callback;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A status callback as POSTed to {@code fleetlink.controller.callback.url}; {@code event_id} lets the
 * receiver drop a repeated delivery. Release and host-cleanup events carry the handover report inline
 * ({@code report}) and where to read it again ({@code report_url}).
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
        @JsonInclude(JsonInclude.Include.NON_NULL) Object report,
        @JsonInclude(JsonInclude.Include.NON_NULL) String reportUrl,
        /** Why an operator drained or undrained the host ({@code host.*} events only). */
        @JsonInclude(JsonInclude.Include.NON_NULL) String reason,
        /** Why the host was QUARANTINED (the GPU and check, or the failed step); cleanup failures only. */
        @JsonInclude(JsonInclude.Include.NON_NULL) String quarantineReason) {

    public static final String ALLOCATION_READY = "allocation.ready";
    public static final String ALLOCATION_FAILED = "allocation.failed";
    public static final String ALLOCATION_RELEASED = "allocation.released";
    public static final String ALLOCATION_CLEANUP_FAILED = "allocation.cleanup_failed";
    public static final String HOST_CLEANED = "host.cleaned";
    public static final String TASK_STOPPED = "task.stopped";
    public static final String TASK_STOP_FAILED = "task.stop_failed";
    /** An operator drained the host: no new allocation; {@code status} is its state then (ALLOCATED: still running one). */
    public static final String HOST_DRAINED = "host.drained";
    public static final String HOST_UNDRAINED = "host.undrained";

    public CallbackEvent(String eventId, String type, String allocationId, String taskId, String hostId, String status,
            String error, Instant occurredAt) {
        this(eventId, type, allocationId, taskId, hostId, status, error, occurredAt, null, null, null, null);
    }

    public static CallbackEvent allocation(String type, String allocationId, String hostId, String status, String error,
            Instant at) {
        return new CallbackEvent(UUID.randomUUID().toString(), type, allocationId, null, hostId, status, error, at, null, null, null, null);
    }

    /** A host event ({@code host.cleaned}); {@code allocationId} is the host's last allocation, if any. */
    public static CallbackEvent host(String type, String hostId, String allocationId, String status, String error, Instant at) {
        return new CallbackEvent(UUID.randomUUID().toString(), type, allocationId, null, hostId, status, error, at, null, null, null, null);
    }

    /** This event carrying a handover report and the API path it can be read from again. */
    public CallbackEvent withReport(Object handoverReport, String url) {
        return new CallbackEvent(eventId, type, allocationId, taskId, hostId, status, error, occurredAt, handoverReport, url, reason, quarantineReason);
    }

    public static CallbackEvent host(String type, String hostId, String status, String reason, Instant at) {
        return new CallbackEvent(UUID.randomUUID().toString(), type, null, null, hostId, status, null, at, null, null, reason, null);
    }

    /** An allocation event that also says why its host was QUARANTINED ({@code quarantine_reason}). */
    public static CallbackEvent allocation(String type, String allocationId, String hostId, String status, String error,
            String quarantineReason, Instant at) {
        return new CallbackEvent(UUID.randomUUID().toString(), type, allocationId, null, hostId, status, error, at,
                null, null, null, quarantineReason);
    }

    public static CallbackEvent task(String type, String taskId, String hostId, String status, String error, Instant at) {
        return new CallbackEvent(UUID.randomUUID().toString(), type, null, taskId, hostId, status, error, at, null, null, null, null);
    }
}
