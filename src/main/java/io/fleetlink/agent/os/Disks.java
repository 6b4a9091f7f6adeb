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

import io.fleetlink.agent.os.Mounts.Mount;

/**
 * Lists the machine's real disks: mounted file systems backed by a block device (as the kernel's
 * {@code /proc/filesystems} marks them), one entry per device, with their size from {@code statvfs}.
 * Pseudo and memory file systems (proc, sysfs, tmpfs, overlay, cgroup ...) and read-only images
 * (squashfs snaps) are left out. The mount table is {@code /proc/self/mountinfo}, read by the one
 * parser in {@link Mounts}. Blocking.
 */
@ApplicationScoped
public class Disks {

    /** A mounted file system and its capacity; {@code freeBytes} is what an unprivileged user may still use. */
    public record Disk(String mountPoint, String fsType, long totalBytes, long freeBytes) {
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
        String mountinfo = readOptional(proc.resolve("self/mountinfo"))
                .orElseThrow(() -> new IllegalStateException("cannot read " + proc.resolve("self/mountinfo")));
        List<Disk> disks = new ArrayList<>();
        // A file bind-mounted over a file (/etc/hosts in a container) is not where a disk is used.
        List<Mount> directories = Mounts.parse(mountinfo).stream()
                .filter(m -> Files.isDirectory(m.mountPoint(), LinkOption.NOFOLLOW_LINKS))
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

    /**
     * Disk mounts, one per device: a device mounted several times (bind mounts) is reported at its
     * mount point closest to the root.
     */
    static List<Mount> realDisks(List<Mount> mounts, Set<String> diskTypes) {
        Map<String, Mount> byDevice = new LinkedHashMap<>();
        mounts.stream()
                .filter(m -> diskTypes.contains(m.fsType()) && !IMAGES.contains(m.fsType()))
                .sorted(Comparator.comparingInt((Mount m) -> m.mountPoint().toString().length())
                        .thenComparing(m -> m.mountPoint().toString()))
                .forEach(m -> byDevice.putIfAbsent(m.source(), m));
        return byDevice.values().stream()
                .sorted(Comparator.comparing(m -> m.mountPoint().toString()))
                .toList();
    }

    private static Optional<Disk> statvfs(Mount mount) {
        try {
            FileStore store = Files.getFileStore(mount.mountPoint());
            return Optional.of(new Disk(mount.mountPoint().toString(), mount.fsType(), store.getTotalSpace(), store.getUsableSpace()));
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
