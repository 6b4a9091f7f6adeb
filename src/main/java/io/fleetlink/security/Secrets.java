package io.fleetlink.security;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import io.fleetlink.config.Role;
import io.quarkus.logging.Log;

/**
 * Reads a secret given either inline (or by environment) or as a file, the two ways every Fleetlink
 * token can be set, never both.
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /**
     * The value of a secret set inline (or by environment) or as a file, read now; empty when unset.
     * For a secret that may rotate, keep {@link SecretSource#of} instead.
     *
     * @throws IllegalStateException naming the key when it is set both ways, or the file cannot be read
     *         or is empty
     */
    public static Optional<String> resolve(String key, Optional<String> inline, Optional<Path> file) {
        return SecretSource.of(key, inline, file).current();
    }

    /**
     * The token an API of this process expects: the configured one (followed when it is a file); else,
     * in role {@code all}, a fresh one printed once (role all is for trying Fleetlink out and must need
     * no setup); else refusal to start, saying how to set one. An anonymous root agent is how exposed
     * kubelets mined coins.
     *
     * @param key the setting, e.g. {@code fleetlink.agent.auth.token}
     * @param owner what refuses to start without it, e.g. {@code agent}
     * @param api what the token guards, e.g. {@code agent API}
     */
    public static SecretSource requiredToken(Role role, String key, String owner, String api,
            Optional<String> inline, Optional<Path> file) {
        SecretSource configured = SecretSource.of(key, inline, file);
        String env = SecretSource.environmentName(key);
        if (configured.isSet()) {
            warnIfShort(configured);
            return configured;
        }
        if (role == Role.ALL) {
            String token = randomToken();
            Log.warnf("No %s token configured; role 'all' generated one for this run. Call the %s with: "
                    + "Authorization: Bearer %s (set %s-file or %s to choose your own)", api, api, token, key, env);
            return SecretSource.generated(key, token);
        }
        throw new IllegalStateException("The " + owner + " needs a bearer token and none is configured. Set one of: "
                + key + "-file=/path/to/token (recommended), the environment variable " + env + ", or -D" + key
                + "=...; generate one with: head -c 32 /dev/urandom | base64");
    }

    /** A start-up warning when the secret's current value is too short to be a real one. */
    public static void warnIfShort(SecretSource secret) {
        secret.current().filter(value -> value.length() < 16).ifPresent(value -> Log.warnf(
                "%s is shorter than 16 characters; use a long random token outside a test", secret.key()));
    }

    /** A fresh random token, 32 bytes of entropy, URL-safe. */
    public static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
