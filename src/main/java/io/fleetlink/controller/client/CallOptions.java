package io.fleetlink.controller.client;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Per-call settings an adapter applies: the deadline of this attempt, the request id that makes a
 * retried mutation run once on the agent, and the host's fencing epoch the call acts under (sent as
 * {@code X-Fleetlink-Epoch} / {@code x-fleetlink-epoch}; absent for reads and unfenced calls).
 */
public record CallOptions(Duration timeout, Optional<String> requestId, OptionalLong epoch) {

    public CallOptions(Duration timeout, Optional<String> requestId) {
        this(timeout, requestId, OptionalLong.empty());
    }

    public static CallOptions of(Duration timeout) {
        return new CallOptions(timeout, Optional.empty(), OptionalLong.empty());
    }

    public static CallOptions of(Duration timeout, String requestId) {
        return new CallOptions(timeout, Optional.ofNullable(requestId), OptionalLong.empty());
    }

    public static CallOptions of(Duration timeout, String requestId, Long epoch) {
        return new CallOptions(timeout, Optional.ofNullable(requestId),
                epoch == null ? OptionalLong.empty() : OptionalLong.of(epoch));
    }
}
