package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The answer to a join: the host's own credential (its per-host agent token), to be stored by the
 * agent and never shown elsewhere; {@code rejoined} when the host had joined before with the same
 * token (same registration, same credential). {@link #toString()} redacts the token.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record JoinResponse(String hostId, String token, boolean rejoined) {

    @Override
    public String toString() {
        return "JoinResponse[" + hostId + ", rejoined=" + rejoined + ", token redacted]";
    }
}
