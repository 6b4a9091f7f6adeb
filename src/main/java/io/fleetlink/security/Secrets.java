package io.fleetlink.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import io.fleetlink.config.Role;
import io.quarkus.logging.Log;

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

    /**
     * The token an API of this process expects: the configured one; else, in role {@code all}, a fresh
     * one printed once (role all is for trying Fleetlink out and must need no setup); else refusal to
     * start, saying how to set one. An anonymous root agent is how exposed kubelets mined coins.
     *
     * @param key the setting, e.g. {@code fleetlink.agent.auth.token}
     * @param owner what refuses to start without it, e.g. {@code agent}
     * @param api what the token guards, e.g. {@code agent API}
     * @param env the environment variable that sets it
     */
    public static String requiredToken(Role role, String key, String owner, String api, String env,
            Optional<String> inline, Optional<Path> file) {
        Optional<String> configured = resolve(key, inline, file);
        if (configured.isPresent()) {
            if (configured.get().length() < 16) {
                Log.warnf("%s is shorter than 16 characters; use a long random token outside a test", key);
            }
            return configured.get();
        }
        if (role == Role.ALL) {
            String token = randomToken();
            Log.warnf("No %s token configured; role 'all' generated one for this run. Call the %s with: "
                    + "Authorization: Bearer %s (set %s or %s to choose your own)", api, api, token, key, env);
            return token;
        }
        throw new IllegalStateException("The " + owner + " needs a bearer token and none is configured. Set one of: "
                + key + "-file=/path/to/token (recommended), the environment variable " + env + ", or -D" + key
                + "=...; generate one with: head -c 32 /dev/urandom | base64");
    }

    /** A fresh random token, 32 bytes of entropy, URL-safe. */
    public static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
