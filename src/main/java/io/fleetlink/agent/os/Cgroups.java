package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Reads cgroup v2 membership, so StopProcess can take in every process of a container or systemd scope
 * a task runs in. Only a cgroup that can belong to one task is used: never the root cgroup, the
 * agent's own or PID 1's (or a cgroup above either), nor a login session's scope or a user manager,
 * which hold a user's other work. Blocking.
 */
@ApplicationScoped
public class Cgroups {

    /** Bounds on one membership read: a pathological tree is cut off, never walked without end. */
    static final int MAX_DEPTH = 16;
    static final int MAX_MEMBERS = 10_000;

    private final ProcFs procFs;
    private final Path mountInfo;

    @Inject
    public Cgroups(ProcFs procFs) {
        this(procFs, Path.of("/proc/self/mountinfo"));
    }

    Cgroups(ProcFs procFs, Path mountInfo) {
        this.procFs = procFs;
        this.mountInfo = mountInfo;
    }

    /** Where cgroup2 is mounted (at its root), or empty on a machine without cgroup v2. */
    public Optional<Path> mountPoint() {
        return Mounts.readTable(mountInfo).stream()
                .filter(mount -> mount.fsType().equals("cgroup2") && mount.root().equals("/"))
                .map(Mounts.Mount::mountPoint)
                .findFirst();
    }

    /**
     * Whether the members of cgroup {@code path} may be taken as one task's: not the root, not the
     * agent's cgroup or PID 1's or any cgroup above them, not a login session or user manager.
     */
    public boolean attributable(String path) {
        if (path == null || path.isEmpty() || path.equals("/") || !path.startsWith("/") || path.contains("/..")
                || path.contains("\n")) {
            return false;
        }
        for (int pid : new int[] {(int) ProcessHandle.current().pid(), 1}) {
            Optional<String> theirs = procFs.cgroupV2(pid);
            if (theirs.isEmpty() || theirs.get().equals(path) || theirs.get().startsWith(path + "/")) {
                return false;
            }
        }
        String leaf = path.substring(path.lastIndexOf('/') + 1);
        return !(leaf.startsWith("session-") && leaf.endsWith(".scope")) && !leaf.startsWith("user@") && !leaf.endsWith(".slice");
    }

    /** Pids in cgroup {@code path} and the cgroups below it (bounded); empty without cgroup v2. */
    public Set<Integer> members(String path) {
        Set<Integer> pids = new LinkedHashSet<>();
        Optional<Path> mount = mountPoint();
        if (mount.isEmpty()) {
            return pids;
        }
        Path top = mount.get().resolve(path.substring(1));
        Deque<Path> dirs = new ArrayDeque<>();
        dirs.add(top);
        while (!dirs.isEmpty() && pids.size() < MAX_MEMBERS) {
            Path dir = dirs.poll();
            try {
                for (String line : Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
                    if (!line.isBlank()) {
                        pids.add(Integer.parseInt(line.strip()));
                    }
                }
                if (top.relativize(dir).getNameCount() < MAX_DEPTH) {
                    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir,
                            child -> Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS))) {
                        children.forEach(dirs::add);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // removed meanwhile: its processes are gone or moved, and are found elsewhere
            }
        }
        return pids;
    }
}
