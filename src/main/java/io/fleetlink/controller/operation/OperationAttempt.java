package io.fleetlink.controller.operation;

import java.time.Instant;

/**
 * One agent call attempt of an operation, as {@code GET /api/v1/operations/{id}} lists it: which call,
 * under which request id and epoch, when, and how it ended (success, timeout, unreachable, breaker_open,
 * rejected, fenced) with the error.
 */
public record OperationAttempt(int attempt, String operation, String requestId, Long epoch, Instant startedAt,
        Instant finishedAt, String outcome, String error) {
}
