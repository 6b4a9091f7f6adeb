package io.fleetlink.controller.client;

import java.time.Duration;
import java.util.Optional;

/**
 * Per-call settings an adapter applies: the deadline of this attempt and the request id that makes
 * a retried mutation run once on the agent.
 */
public record CallOptions(Duration timeout, Optional<String> requestId) {

    public static CallOptions of(Duration timeout) {
        return new CallOptions(timeout, Optional.empty());
    }

    public static CallOptions of(Duration timeout, String requestId) {
        return new CallOptions(timeout, Optional.ofNullable(requestId));
    }
}
