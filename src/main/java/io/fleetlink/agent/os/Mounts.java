package io.fleetlink.agent.os;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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

    /**
     * Bind-mounts exactly the directory {@code source} holds open at {@code target}, then remounts it
     * with {@code options} (a bind mount ignores them on the first call). The source handed to mount(8)
     * is {@code /proc/<agent pid>/fd/<n>} with {@code --no-canonicalize}: the kernel takes the open
     * directory behind that descriptor, and neither util-linux nor the kernel walks the tenant's path
     * again. Afterwards the directory at {@code target} must be that same (device, inode); otherwise the
     * mount is undone at once and this fails. {@code target} must lie in a directory only root can change.
     */
    public void bind(OpenDirectory source, Path target, List<String> options, Duration timeout) throws MountException {
        run(List.of("mount", "--bind", "--no-canonicalize", "--", source.procPath().toString(), target.toString()), timeout);
        try {
            verify(source, target);
            run(List.of("mount", "--no-canonicalize", "-o", "remount,bind," + String.join(",", options), "--", target.toString()), timeout);
            verify(source, target);
        } catch (MountException e) {
            // Never leave a bind mount of the wrong directory, or with weaker flags than asked for.
            unmount(target, timeout);
            throw e;
        }
    }

    private void verify(OpenDirectory source, Path target) throws MountException {
        Object mounted;
        try {
            mounted = Files.readAttributes(target, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            throw new MountException("cannot check what was mounted at " + target + ": " + e.getMessage(), false);
        }
        if (!source.fileKey().equals(mounted) || at(target).isEmpty()) {
            throw new MountException("what was mounted at " + target + " (" + mounted + ") is not " + source.path()
                    + " (" + source.fileKey() + "); undone", false);
        }
    }

    /** {@code mount -t fsType -o options source target}. */
    public void mount(String fsType, String source, Path target, List<String> options, Duration timeout) throws MountException {
        run(List.of("mount", "-t", fsType, "-o", String.join(",", options), "--", source, target.toString()), timeout);
    }

    /**
     * {@code umount target}; never lazy, so a busy mount fails instead of lingering. {@code target} must
     * lie in a directory only root can change (its path is handed to the kernel as it is).
     */
    public void unmount(Path target, Duration timeout) throws MountException {
        run(List.of("umount", "--no-canonicalize", "--", target.toString()), timeout);
    }

    /**
     * Unmounts the mount at {@code name} inside the open directory {@code parent}, named as
     * {@code /proc/<agent pid>/fd/<n>/name}: the walk to the parent is not redone by path, so a tenant
     * who can rename directories on the way (inside a read-write dataset) cannot point the unmount
     * elsewhere, and {@code name} itself, a mount point, cannot be renamed or replaced while mounted.
     */
    public void unmountIn(OpenDirectory parent, String name, Duration timeout) throws MountException {
        run(List.of("umount", "--no-canonicalize", "--", parent.procPath().resolve(name).toString()), timeout);
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
    /**
     * Every mount in the table at {@code mountinfo}, or none when it cannot be read: for callers that
     * only look for one kind of mount (cgroup2) and treat a missing table as "none there".
     */
    public static List<Mount> readTable(Path mountinfo) {
        try {
            return parse(Files.readString(mountinfo, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

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
