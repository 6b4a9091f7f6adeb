package io.fleetlink.controller.join;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A join token as the API lists it: never its secret (only a hash of it is stored). {@code state} is
 * ACTIVE, EXPIRED, USED_UP or REVOKED, as of the answer.
 */
@RegisterForReflection // read and written by Jackson, also in a native image
public record JoinToken(
        String tokenId,
        String description,
        int maxUses,
        int uses,
        Instant expiresAt,
        Instant revokedAt,
        String createdBy,
        Instant createdAt,
        Instant lastUsedAt,
        String state) {

    /** Why a token is no longer good, or ACTIVE. */
    static String state(int maxUses, int uses, Instant expiresAt, Instant revokedAt, Instant now) {
        if (revokedAt != null) {
            return "REVOKED";
        }
        if (!expiresAt.isAfter(now)) {
            return "EXPIRED";
        }
        return uses >= maxUses ? "USED_UP" : "ACTIVE";
    }
}
