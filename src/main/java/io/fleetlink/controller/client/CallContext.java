package io.fleetlink.controller.client;

import java.time.Duration;

/**
 * What a mutating agent call acts for: its request id (the same over every attempt, so the agent runs
 * the work once), the host's fencing epoch of the ownership it serves (null: unfenced), the log that
 * records each attempt (an operation's; null: none), and how long transient failures may be retried in
 * all ({@code retryFor}; null: only the client layer's own few attempts).
 */
public record CallContext(String requestId, Long epoch, AttemptLog log, Duration retryFor) {

    /** A call with a request id and an epoch, no attempt log, no retry budget. */
    public static CallContext of(String requestId, Long epoch) {
        return new CallContext(requestId, epoch, null, null);
    }

    /** This call, its attempts recorded in {@code log}, retried for up to {@code budget}. */
    public CallContext recorded(AttemptLog attemptLog, Duration budget) {
        return new CallContext(requestId, epoch, attemptLog, budget);
    }

    /** This call under another request id and epoch (after its own epoch was raised above the agent's). */
    CallContext under(String newRequestId, long newEpoch) {
        return new CallContext(newRequestId, newEpoch, log, retryFor);
    }
}
