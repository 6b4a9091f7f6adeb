package io.fleetlink.controller.join;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The answer to creating a join token: the token itself, shown this once (only its hash is kept), and
 * what it allows. {@link #toString()} redacts it.
 */
@RegisterForReflection // read and written by Jackson, also in a native image
public record JoinTokenCreated(String tokenId, String token, int maxUses, Instant expiresAt) {

    @Override
    public String toString() {
        return "JoinTokenCreated[" + tokenId + ", token redacted, uses " + maxUses + ", expires " + expiresAt + "]";
    }
}
