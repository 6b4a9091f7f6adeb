package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Lists the machine's real disks: mounted file systems backed by a block device (as the kernel's
 * {@code /proc/filesystems} marks them), one entry per device, with their size from {@code statvfs}.
 * Pseudo and memory file systems (proc, sysfs, tmpfs, overlay, cgroup ...) and read-only images
 * (squashfs snaps) are left out. Blocking.
 */
@ApplicationScoped
public class Disks {

    /** A mounted file system and its capacity; {@code freeBytes} is what an unprivileged user may still use. */
    public record Disk(String mountPoint, String fsType, long totalBytes, long freeBytes) {
    }

    /** One line of the mount table. */
    record Mount(String device, String mountPoint, String fsType) {
    }

    /** Block-device file systems that are read-only images, not storage anyone fills. */
    private static final Set<String> IMAGES = Set.of("squashfs", "erofs", "iso9660", "udf", "cramfs");

    /** ZFS needs no device per mount, so the kernel lists it as "nodev"; it is a disk all the same. */
    private static final Set<String> NODEV_DISKS = Set.of("zfs");

    /** Used when /proc/filesystems cannot be read. */
    private static final Set<String> KNOWN_DISKS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs",
            "vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "jfs", "reiserfs");

    private final Path proc;

    public Disks() {
        this(Path.of("/proc"));
    }

    Disks(Path proc) {
        this.proc = proc;
    }

    public List<Disk> list() {
        Set<String> diskTypes = readOptional(proc.resolve("filesystems"))
                .map(Disks::parseBlockFsTypes)
                .orElse(KNOWN_DISKS);
        String mounts = readOptional(proc.resolve("self/mounts"))
                .orElseThrow(() -> new IllegalStateException("cannot read " + proc.resolve("self/mounts")));
        List<Disk> disks = new ArrayList<>();
        // A file bind-mounted over a file (/etc/hosts in a container) is not where a disk is used.
        List<Mount> directories = parseMounts(mounts).stream()
                .filter(m -> Files.isDirectory(Path.of(m.mountPoint()), LinkOption.NOFOLLOW_LINKS))
                .toList();
        for (Mount mount : realDisks(directories, diskTypes)) {
            statvfs(mount).ifPresent(disks::add);
        }
        return disks;
    }

    /** The file system types that need a block device: the lines of /proc/filesystems without "nodev". */
    static Set<String> parseBlockFsTypes(String filesystems) {
        Set<String> types = new HashSet<>(NODEV_DISKS);
        for (String line : filesystems.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length == 1 && !fields[0].isEmpty()) {
                types.add(fields[0]);
            }
        }
        return types;
    }

    static List<Mount> parseMounts(String mountTable) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : mountTable.split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length >= 3) {
                mounts.add(new Mount(unescape(fields[0]), unescape(fields[1]), fields[2]));
            }
        }
        return mounts;
    }

    /**
     * Disk mounts, one per device: a device mounted several times (bind mounts) is reported at its
     * mount point closest to the root.
     */
    static List<Mount> realDisks(List<Mount> mounts, Set<String> diskTypes) {
        Map<String, Mount> byDevice = new LinkedHashMap<>();
        mounts.stream()
                .filter(m -> diskTypes.contains(m.fsType()) && !IMAGES.contains(m.fsType()))
                .sorted(Comparator.comparingInt((Mount m) -> m.mountPoint().length()).thenComparing(Mount::mountPoint))
                .forEach(m -> byDevice.putIfAbsent(m.device(), m));
        return byDevice.values().stream()
                .sorted(Comparator.comparing(Mount::mountPoint))
                .toList();
    }

    /** Undoes the octal escapes the kernel writes for space, tab, newline and backslash. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    private static Optional<Disk> statvfs(Mount mount) {
        try {
            FileStore store = Files.getFileStore(Path.of(mount.mountPoint()));
            return Optional.of(new Disk(mount.mountPoint(), mount.fsType(), store.getTotalSpace(), store.getUsableSpace()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unmounted meanwhile, or not readable by the agent
        }
    }

    private static Optional<String> readOptional(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
