package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;

/**
 * One cgroup v2 per executed command, under {@code <cgroup2 mount>/fleetlink}, so the whole tree a
 * command started, daemons that left its session included, is killed at once with {@code cgroup.kill}
 * (Linux 5.14+). Where no usable cgroup2 is mounted the agent says so once in its log and commands
 * fall back to their process group. Blocking.
 */
@ApplicationScoped
public class ExecCgroups {

    /** Where the agent's per-command cgroups live, under the cgroup2 mount. */
    static final String PARENT = "fleetlink";

    /** How often {@code cgroup.events} is read while waiting for a killed cgroup to empty. */
    private static final long POLL_MILLIS = 10;

    /** The cgroup of one command: move the child into it, kill everything in it, remove it. */
    public record Cgroup(Path dir) {

        /** The file a process writes its pid to in order to join. */
        public Path procs() {
            return dir.resolve("cgroup.procs");
        }

        /** SIGKILLs every process in the cgroup and its descendants. */
        public void kill() {
            try {
                Files.writeString(dir.resolve("cgroup.kill"), "1");
            } catch (IOException e) {
                Log.warnf("cannot write %s/cgroup.kill: %s", dir, e.getMessage());
            }
        }

        /** Whether no live process is left (zombies do not count: they hold no cgroup membership). */
        public boolean empty() {
            try {
                return Files.readAllLines(dir.resolve("cgroup.events"), StandardCharsets.UTF_8).contains("populated 0");
            } catch (IOException e) {
                return !Files.exists(dir);
            }
        }

        /** Kills, waits up to {@code wait} for the cgroup to empty, removes it; false if something survived. */
        public boolean killAndRemove(Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            kill();
            while (!empty() && System.nanoTime() < deadline) {
                Thread.sleep(POLL_MILLIS);
            }
            if (!empty()) {
                Log.errorf("processes survived cgroup.kill in %s; the cgroup is left in place", dir);
                return false;
            }
            try {
                Files.deleteIfExists(dir); // rmdir: a cgroup directory is removed with its interface files
            } catch (IOException e) {
                Log.warnf("cannot remove the empty cgroup %s: %s", dir, e.getMessage());
            }
            return true;
        }
    }

    private final Path mountinfo;
    private volatile Optional<Path> parent;
    private volatile boolean warned;

    public ExecCgroups() {
        this(Path.of("/proc/self/mountinfo"));
    }

    ExecCgroups(Path mountinfo) {
        this.mountinfo = mountinfo;
    }

    /**
     * A new, empty cgroup for one command, or empty when this machine has no usable cgroup v2 (then
     * the caller kills by process group, which a command that calls {@code setsid} escapes).
     */
    public Optional<Cgroup> create() {
        Optional<Path> root = parent();
        if (root.isEmpty()) {
            return Optional.empty();
        }
        Path dir = root.get().resolve("exec-" + UUID.randomUUID());
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            warnOnce("cannot create the cgroup " + dir + ": " + e.getMessage());
            return Optional.empty();
        }
        if (!Files.exists(dir.resolve("cgroup.kill"))) {
            warnOnce("this kernel has no cgroup.kill (Linux 5.14+ has it)");
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // left empty; harmless
            }
            parent = Optional.empty();
            return Optional.empty();
        }
        return Optional.of(new Cgroup(dir));
    }

    /** Whether commands run in their own cgroup on this machine. */
    public boolean usable() {
        return parent().isPresent();
    }

    private Optional<Path> parent() {
        Optional<Path> found = parent;
        if (found == null) {
            synchronized (this) {
                found = parent;
                if (found == null) {
                    found = makeParent();
                    parent = found;
                }
            }
        }
        return found;
    }

    private Optional<Path> makeParent() {
        Optional<Path> mount = cgroup2Mount(mountinfo);
        if (mount.isEmpty()) {
            warnOnce("no cgroup2 file system is mounted");
            return Optional.empty();
        }
        Path dir = mount.get().resolve(PARENT);
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir);
            }
            Log.infof("commands run in their own cgroup under %s and are killed with cgroup.kill", dir);
            return Optional.of(dir);
        } catch (IOException e) {
            warnOnce("cannot create " + dir + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private void warnOnce(String why) {
        if (!warned) {
            warned = true;
            Log.warnf("exec falls back to process-group kill (%s): a command that starts its own session "
                    + "(a daemon) can outlive its call", why);
        }
    }

    /** The mount point of the first cgroup2 file system in {@code mountinfo}. */
    static Optional<Path> cgroup2Mount(Path mountinfo) {
        return Mounts.readTable(mountinfo).stream()
                .filter(mount -> mount.fsType().equals("cgroup2"))
                .map(Mounts.Mount::mountPoint)
                .findFirst();
    }
}
