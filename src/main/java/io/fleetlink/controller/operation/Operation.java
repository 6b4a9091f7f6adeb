package io.fleetlink.controller.operation;

import java.time.Instant;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One unit of durable work sent to an agent, as stored and as the API shows it. {@code target} is
 * the allocation, task or host the work is for; the payload stays internal. {@code attempts} counts
 * the agent call attempts it made (each listed in {@code attempt_log} when read by id), {@code runs}
 * how many times a replica claimed it; {@code epoch} is the host epoch it acts under.
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
        @JsonIgnore OperationPayload payload,
        int runs,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<OperationAttempt> attemptLog) {

    /** A new PENDING operation, due now. */
    public static Operation pending(OperationType type, String target, String hostId, OperationPayload payload) {
        Instant now = io.fleetlink.controller.store.Sql.now();
        return new Operation(java.util.UUID.randomUUID().toString(), type, target, hostId, OperationStatus.PENDING,
                0, null, now, now, null, payload, 0, null);
    }

    /** The host epoch this operation acts under; null for one stored before epochs existed. */
    @JsonProperty("epoch")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Long epoch() {
        return payload == null ? null : payload.epoch();
    }

    /** This operation with its attempt log. */
    public Operation withAttemptLog(List<OperationAttempt> log) {
        return new Operation(operationId, type, target, hostId, status, attempts, lastError, createdAt, updatedAt,
                finishedAt, payload, runs, log);
    }

    /** This operation under another payload (its epoch was raised). */
    public Operation withPayload(OperationPayload newPayload) {
        return new Operation(operationId, type, target, hostId, status, attempts, lastError, createdAt, updatedAt,
                finishedAt, newPayload, runs, attemptLog);
    }
}
