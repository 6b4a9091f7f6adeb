package io.fleetlink.controller.operation;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One unit of durable work sent to an agent, as stored and as the API shows it. {@code target} is
 * the allocation, task or host the work is for; the payload stays internal.
 */
public record Operation(
        String operationId,
        OperationType type,
        String target,
        String hostId,
        OperationStatus status,
        int attempts,
        String lastError,
        Instant createdAt,
        Instant updatedAt,
        Instant finishedAt,
        @JsonIgnore OperationPayload payload) {

    /** A new PENDING operation, due now. */
    public static Operation pending(OperationType type, String target, String hostId, OperationPayload payload) {
        Instant now = io.fleetlink.controller.store.Sql.now();
        return new Operation(java.util.UUID.randomUUID().toString(), type, target, hostId, OperationStatus.PENDING,
                0, null, now, now, null, payload);
    }
}
