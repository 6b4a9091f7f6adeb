package io.fleetlink.agent.os;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The mount table as {@code /proc/self/mountinfo} shows it, and mount/umount through the system
 * programs (argv, no shell, a timeout). Blocking.
 */
@ApplicationScoped
public class Mounts {

    /** One line of mountinfo; {@code root} is the path inside the file system that is mounted. */
    public record Mount(int id, int parentId, String root, Path mountPoint, Set<String> options, String fsType, String source) {

        public boolean readOnly() {
            return options.contains("ro");
        }
    }

    /** A mount or umount that did not succeed; {@code busy} when the kernel said the target is in use. */
    public static class MountException extends IOException {

        private final boolean busy;

        public MountException(String message, boolean busy) {
            super(message);
            this.busy = busy;
        }

        public boolean busy() {
            return busy;
        }
    }

    private final HostCommands commands;
    private final Path mountinfo;

    @Inject
    public Mounts(HostCommands commands) {
        this(commands, Path.of("/proc/self/mountinfo"));
    }

    Mounts(HostCommands commands, Path mountinfo) {
        this.commands = commands;
        this.mountinfo = mountinfo;
    }

    /** Every mount, in mount order (a later one at the same point covers an earlier one). */
    public List<Mount> list() {
        try {
            return parse(Files.readString(mountinfo, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + mountinfo + ": " + e.getMessage(), e);
        }
    }

    /** The mount visible at exactly {@code mountPoint}, if any. */
    public Optional<Mount> at(Path mountPoint) {
        Mount found = null;
        for (Mount mount : list()) {
            if (mount.mountPoint().equals(mountPoint)) {
                found = mount;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Mounts strictly below {@code root}, deepest first: the order to unmount them in. */
    public List<Mount> under(Path root) {
        List<Mount> below = new ArrayList<>(list().stream()
                .filter(mount -> mount.mountPoint().startsWith(root) && !mount.mountPoint().equals(root))
                .toList());
        below.sort(Comparator.comparingInt((Mount mount) -> mount.mountPoint().getNameCount())
                .thenComparingInt(Mount::id)
                .reversed());
        return below;
    }

    /** {@code mount --bind}, then a remount that applies {@code options} (a bind mount ignores them on the first call). */
    public void bind(Path source, Path target, List<String> options, Duration timeout) throws MountException {
        run(List.of("mount", "--bind", "--", source.toString(), target.toString()), timeout);
        try {
            run(List.of("mount", "-o", "remount,bind," + String.join(",", options), "--", target.toString()), timeout);
        } catch (MountException e) {
            // Never leave a bind mount with weaker flags than asked for (e.g. writable instead of read-only).
            unmount(target, timeout);
            throw e;
        }
    }

    /** {@code mount -t fsType -o options source target}. */
    public void mount(String fsType, String source, Path target, List<String> options, Duration timeout) throws MountException {
        run(List.of("mount", "-t", fsType, "-o", String.join(",", options), "--", source, target.toString()), timeout);
    }

    /** {@code umount target}; never lazy, so a busy mount fails instead of lingering. */
    public void unmount(Path target, Duration timeout) throws MountException {
        run(List.of("umount", "--", target.toString()), timeout);
    }

    private void run(List<String> argv, Duration timeout) throws MountException {
        HostCommands.Result result;
        try {
            result = commands.run(argv, timeout);
        } catch (HostCommands.CommandException e) {
            throw new MountException(e.getMessage(), false);
        }
        if (!result.ok()) {
            String diagnostic = result.diagnostic();
            throw new MountException(argv.get(0) + " failed: " + diagnostic, diagnostic.contains("busy"));
        }
    }

    /** Parses {@code /proc/<pid>/mountinfo}; the one mount-table parser of the agent ({@link Disks} uses it too). */
    static List<Mount> parse(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
            String[] fields = line.split(" ");
            int separator = Arrays.asList(fields).indexOf("-");
            if (fields.length < 7 || separator < 6 || separator + 2 >= fields.length) {
                continue;
            }
            mounts.add(new Mount(
                    Integer.parseInt(fields[0]),
                    Integer.parseInt(fields[1]),
                    unescape(fields[3]),
                    Path.of(unescape(fields[4])),
                    new LinkedHashSet<>(List.of(fields[5].split(","))),
                    unescape(fields[separator + 1]),
                    unescape(fields[separator + 2])));
        }
        return mounts;
    }

    /**
     * Undoes the kernel's octal escapes ({@code \040} space, {@code \011} tab, {@code \012} newline,
     * {@code \134} backslash). An escape stands for one byte of the name, so the escapes are turned into
     * bytes first and the whole field is then read as UTF-8: a character of several bytes escaped one
     * byte at a time comes back whole.
     */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(field.length());
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\\' && i + 3 < bytes.length && isOctal(bytes[i + 1]) && isOctal(bytes[i + 2]) && isOctal(bytes[i + 3])) {
                out.write(((bytes[i + 1] - '0') << 6) | ((bytes[i + 2] - '0') << 3) | (bytes[i + 3] - '0'));
                i += 3;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean isOctal(byte b) {
        return b >= '0' && b <= '7';
    }
}
