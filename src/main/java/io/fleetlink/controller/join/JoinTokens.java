package io.fleetlink.controller.join;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The shape of a join token: {@code <id>.<secret>}, as Kubernetes bootstrap tokens are. The id (12
 * lowercase hex characters) names the token in lists, logs and {@code revoke}; the secret (32 random
 * bytes, base64url) is shown once and stored only as its SHA-256. A join token is a credential for
 * {@code POST /api/v1/join} and for nothing else: no other API knows its shape.
 */
final class JoinTokens {

    static final Pattern ID = Pattern.compile("[0-9a-f]{12}");
    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "Bearer ";

    /** A token split into its id and secret. */
    record Parsed(String id, String secret) {
        @Override
        public String toString() {
            return "JoinToken[" + id + ", secret redacted]";
        }
    }

    private JoinTokens() {
    }

    static String newId() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The token from an {@code Authorization: Bearer <id>.<secret>} header; empty when it has no such shape. */
    static Optional<Parsed> fromHeader(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return Optional.empty();
        }
        return parse(authorization.substring(PREFIX.length()).trim());
    }

    static Optional<Parsed> parse(String token) {
        int dot = token.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String id = token.substring(0, dot);
        String secret = token.substring(dot + 1);
        if (!ID.matcher(id).matches() || !SECRET.matcher(secret).matches()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(id, secret));
    }

    static String sha256Hex(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** True when {@code secret} hashes to {@code storedHex}; compared in constant time. */
    static boolean matches(String secret, String storedHex) {
        return MessageDigest.isEqual(sha256Hex(secret).getBytes(StandardCharsets.US_ASCII),
                storedHex.getBytes(StandardCharsets.US_ASCII));
    }
}
