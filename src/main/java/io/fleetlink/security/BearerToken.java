package io.fleetlink.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * An expected bearer token, kept only as its SHA-256 digest and compared in constant time: digests
 * have a fixed length, so neither the content nor the length of the secret leaks through timing.
 */
public final class BearerToken implements ExpectedToken {

    private static final String PREFIX = "Bearer ";

    private final byte[] digest;

    private BearerToken(byte[] digest) {
        this.digest = digest;
    }

    public static BearerToken of(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a bearer token must not be empty");
        }
        return new BearerToken(sha256(token));
    }

    /**
     * The token whose SHA-256 digest is {@code hex} (64 hex digits), so a configuration can name a
     * caller's token without holding it: {@code printf %s "$TOKEN" | sha256sum}.
     */
    public static BearerToken ofSha256Hex(String hex) {
        String digits = hex == null ? "" : hex.trim();
        if (!digits.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("a token-sha256 must be 64 hex digits (printf %s \"$TOKEN\" | sha256sum)");
        }
        return new BearerToken(java.util.HexFormat.of().parseHex(digits));
    }

    @Override
    public boolean matchesHeader(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorization.substring(PREFIX.length()).trim()));
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
