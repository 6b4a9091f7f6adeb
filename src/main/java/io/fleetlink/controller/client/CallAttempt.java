package io.fleetlink.controller.client;

import java.time.Instant;

import io.fleetlink.protocol.AgentRpc;

/**
 * One attempt of an agent call as an operation records it: when, under which request id and epoch,
 * and how it ended ({@code outcome} is the metrics outcome: success, timeout, unreachable,
 * breaker_open, rejected, unauthorized, fenced, protocol).
 */
public record CallAttempt(AgentRpc operation, String requestId, Long epoch, Instant startedAt, Instant finishedAt,
        String outcome, String error) {
}
