package io.fleetlink.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

import io.quarkus.logging.Log;

/**
 * One secret setting ({@code <key>} inline or from the environment, or {@code <key>-file}), resolved
 * at start-up and, when it comes from a file, followed: a changed file (another mtime, size or inode)
 * is read again on the next use, so rotating a token file takes effect without a restart. The file is
 * looked at no more than once a second, a single {@code stat}; a rotated file that is empty or
 * unreadable keeps the previous value in use and says so.
 *
 * <p>Setting a secret both ways is a start-up error naming both (an exported environment variable
 * used to win silently over the file). A file readable or writable by anyone but its owner is a
 * start-up warning. The value itself is never logged, and {@link #toString()} redacts it.
 */
public final class SecretSource {

    /** How long a file's last check stays good. */
    static final long RECHECK_NANOS = 1_000_000_000L;

    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private final String key;
    private final Optional<String> fixed;
    private final Optional<Path> file;
    private final LongSupplier nanoClock;
    private volatile Snapshot snapshot;

    private record Snapshot(String value, Object fileKey, long modified, long size, long checkedAt) {
    }

    private SecretSource(String key, Optional<String> fixed, Optional<Path> file, LongSupplier nanoClock) {
        this(key, fixed, file, nanoClock, false);
    }

    private SecretSource(String key, Optional<String> fixed, Optional<Path> file, LongSupplier nanoClock, boolean awaited) {
        this.key = key;
        this.fixed = fixed;
        this.file = file;
        this.nanoClock = nanoClock;
        file.ifPresent(path -> this.snapshot = awaited && !Files.exists(path)
                ? new Snapshot(null, null, -1, -1, nanoClock.getAsLong())
                : readFirst(path));
    }

    /**
     * The secret {@code key} as configured.
     *
     * @throws IllegalStateException when it is set both inline (or by environment) and as a file, or
     *         when the file cannot be read or is empty
     */
    public static SecretSource of(String key, Optional<String> inline, Optional<Path> file) {
        return of(key, inline, file, System::nanoTime);
    }

    static SecretSource of(String key, Optional<String> inline, Optional<Path> file, LongSupplier nanoClock) {
        Optional<String> value = inline.map(String::trim).filter(v -> !v.isEmpty());
        if (value.isPresent() && file.isPresent()) {
            throw new IllegalStateException(key + " is set twice: by " + inlineOrigin(key) + " and by " + key + "-file="
                    + file.get() + "; set only one of them (the file is recommended)");
        }
        return new SecretSource(key, value, file, nanoClock);
    }

    /**
     * A secret file that may not exist yet: empty until it appears, then followed like any other (the
     * credential a joining agent receives and stores).
     */
    public static SecretSource awaitedFile(String key, Path file) {
        return new SecretSource(key, Optional.empty(), Optional.of(file), System::nanoTime, true);
    }

    /** Makes the next use look at the file again at once instead of within a second. */
    public void recheckNow() {
        Snapshot seen = snapshot;
        if (seen != null) {
            snapshot = new Snapshot(seen.value(), seen.fileKey(), seen.modified(), seen.size(),
                    nanoClock.getAsLong() - RECHECK_NANOS - 1);
        }
    }

    /** A secret that is not configured but made by the process (role {@code all}'s generated token). */
    public static SecretSource generated(String key, String value) {
        return new SecretSource(key, Optional.of(value), Optional.empty(), System::nanoTime);
    }

    /** The setting's name, e.g. {@code fleetlink.agent.auth.token}. */
    public String key() {
        return key;
    }

    /** True when the secret is set one way or the other. */
    public boolean isSet() {
        return fixed.isPresent() || file.isPresent();
    }

    /** True when the secret comes from a file (and so may rotate). */
    public boolean isFile() {
        return file.isPresent();
    }

    /** The secret now: the inline value, or the file's content as of its last change; empty when unset. */
    public Optional<String> current() {
        if (fixed.isPresent()) {
            return fixed;
        }
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Snapshot seen = snapshot;
        long now = nanoClock.getAsLong();
        if (now - seen.checkedAt() < RECHECK_NANOS) {
            return Optional.ofNullable(seen.value());
        }
        snapshot = recheck(file.get(), seen, now);
        return Optional.ofNullable(snapshot.value());
    }

    /** Where the secret comes from, for logs and messages; never the value. */
    public String origin() {
        if (file.isPresent()) {
            return key + "-file=" + file.get();
        }
        return fixed.isPresent() ? inlineOrigin(key) : key + " (unset)";
    }

    @Override
    public String toString() {
        return "SecretSource[" + origin() + ", value redacted]";
    }

    /** The environment variable that sets {@code key}, by MicroProfile Config's rule. */
    public static String environmentName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static String inlineOrigin(String key) {
        String env = environmentName(key);
        return System.getenv(env) != null ? "the environment variable " + env : key + " (inline)";
    }

    private Snapshot readFirst(Path path) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new IllegalStateException(key + "-file: cannot read " + path + ": " + e.getMessage(), e);
        }
        warnIfShared(path);
        String value = read(path).orElseThrow(() -> new IllegalStateException(
                key + "-file: " + path + " is empty; put the secret in it"));
        return new Snapshot(value, attributes.fileKey(), attributes.lastModifiedTime().toMillis(), attributes.size(),
                nanoClock.getAsLong());
    }

    private Snapshot recheck(Path path, Snapshot seen, long now) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            if (seen.value() == null) {
                return new Snapshot(null, null, -1, -1, now); // an awaited file, not there yet
            }
            Log.warnf("%s-file: cannot read %s (%s); the previous value stays in use", key, path, e.getMessage());
            return new Snapshot(seen.value(), seen.fileKey(), seen.modified(), seen.size(), now);
        }
        long modified = attributes.lastModifiedTime().toMillis();
        if (Objects.equals(attributes.fileKey(), seen.fileKey()) && modified == seen.modified()
                && attributes.size() == seen.size()) {
            return new Snapshot(seen.value(), seen.fileKey(), seen.modified(), seen.size(), now);
        }
        Optional<String> value;
        try {
            value = read(path);
        } catch (IllegalStateException e) {
            value = Optional.empty();
        }
        if (value.isEmpty()) {
            if (seen.value() == null) {
                return new Snapshot(null, null, -1, -1, now);
            }
            Log.warnf("%s-file: %s changed but is empty or unreadable; the previous value stays in use", key, path);
            return new Snapshot(seen.value(), seen.fileKey(), seen.modified(), seen.size(), now);
        }
        warnIfShared(path);
        if (!value.get().equals(seen.value())) {
            Log.infof("%s-file: %s changed; the new value is in use", key, path);
        }
        return new Snapshot(value.get(), attributes.fileKey(), modified, attributes.size(), now);
    }

    private Optional<String> read(Path path) {
        try {
            String content = Files.readString(path, StandardCharsets.UTF_8).trim();
            return content.isEmpty() ? Optional.empty() : Optional.of(content);
        } catch (IOException e) {
            throw new IllegalStateException(key + "-file: cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private void warnIfShared(Path path) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            if (!OWNER_ONLY.containsAll(permissions)) {
                Log.warnf("%s-file: %s has mode %s, so others than its owner can read or change the secret; "
                        + "run: chmod 600 %s", key, path, PosixFilePermissions.toString(permissions), path);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // No POSIX modes here (or the file vanished since it was read): nothing to warn about.
        }
    }
}
