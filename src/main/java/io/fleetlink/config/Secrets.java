package io.fleetlink.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads a secret given either inline or as a file, the two ways every Fleetlink token can be set.
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /**
     * The inline value if set, else the trimmed content of the file if set, else empty.
     *
     * @throws IllegalStateException naming the key when the file cannot be read or is empty
     */
    public static Optional<String> resolve(String key, Optional<String> inline, Optional<Path> file) {
        if (inline.isPresent() && !inline.get().isBlank()) {
            return Optional.of(inline.get().trim());
        }
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path path = file.get();
        String content;
        try {
            content = Files.readString(path, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IllegalStateException(key + "-file: cannot read " + path + ": " + e.getMessage(), e);
        }
        if (content.isEmpty()) {
            throw new IllegalStateException(key + "-file: " + path + " is empty; put the token in it");
        }
        return Optional.of(content);
    }

    /** A fresh random token, 32 bytes of entropy, URL-safe. */
    public static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
