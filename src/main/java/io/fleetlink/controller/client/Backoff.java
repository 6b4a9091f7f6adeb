package io.fleetlink.controller.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter, the one used for every retry the controller schedules (agent
 * calls, callback deliveries, task stops): attempt {@code n} waits a uniform random time in
 * {@code [0, min(max, initial * 2^(n-1))]}, in whole milliseconds, so callers that failed together do not
 * retry together.
 */
public record Backoff(Duration initial, Duration max) {

    /** Past this many doublings the ceiling is {@code max} for any sane setting; also keeps the shift in range. */
    private static final int MAX_DOUBLINGS = 20;

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
    }

    /** The longest wait before attempt {@code attempt} (1 for the first retry; lower counts as 1); at least 1 ms. */
    public Duration ceiling(int attempt) {
        int doublings = Math.min(Math.max(attempt - 1, 0), MAX_DOUBLINGS);
        long cap = max.toMillis();
        long first = initial.toMillis();
        // Compared before shifting so a large initial value cannot overflow.
        long exponential = first > cap >> doublings ? cap : first << doublings;
        return Duration.ofMillis(Math.max(1, Math.min(cap, exponential)));
    }

    /** A wait drawn uniformly from {@code [0, ceiling(attempt)]} with {@code random}. */
    public Duration delay(int attempt, RandomGenerator random) {
        return Duration.ofMillis(random.nextLong(ceiling(attempt).toMillis() + 1));
    }
}
