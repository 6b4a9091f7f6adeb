package io.fleetlink.controller.task;

import java.time.Instant;

/** A task running on a host, as stored and as the API shows it; {@code operation_id} is its latest stop. */
public record Task(
        String taskId,
        String hostId,
        TaskStatus status,
        String error,
        String operationId,
        Instant createdAt,
        Instant updatedAt) {
}
