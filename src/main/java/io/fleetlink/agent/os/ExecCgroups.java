package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.UUID;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;

/**
 * One cgroup v2 per executed command, under {@code <cgroup2 mount>/fleetlink}, so the whole tree a
 * command started, daemons that left its session included, is killed at once with {@code cgroup.kill}
 * (Linux 5.14+). Where no usable cgroup2 is mounted the agent says so once in its log and commands
 * fall back to their process group. Blocking.
 *
 * <p>A command's cgroup is emptied when its call ends ({@link #release}) and kept for the next command
 * (at most {@link #MAX_IDLE} idle ones) instead of being removed and made again: {@code mkdir},
 * {@code rmdir} and the kernel's offline work for each call cost more than a check that an idle one is
 * still empty. A cgroup is only ever handed out empty, and one in which something survived the kill is
 * never reused. Idle cgroups are removed when the agent stops.
 */
@ApplicationScoped
public class ExecCgroups {

    /** Where the agent's per-command cgroups live, under the cgroup2 mount. */
    static final String PARENT = "fleetlink";

    /** How often {@code cgroup.events} is read while waiting for a killed cgroup to empty. */
    private static final long POLL_MILLIS = 10;

    /** Idle, empty cgroups kept for the next commands; the agent runs about one command at a time. */
    static final int MAX_IDLE = 4;

    /** The prefix of a command's cgroup under {@link #PARENT}. */
    static final String PREFIX = "exec-";

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

        /**
         * Kills what is left (only when something is: a command that ended with its whole tree needs no
         * kill) and waits up to {@code wait} for the cgroup to empty; false if something survived. An
         * interrupt does not cut the wait short (it is kept for the caller): the agent stopping interrupts
         * the worker of a command still running, and giving up here left that command's cgroup behind.
         */
        public boolean killAndAwaitEmpty(Duration wait) {
            if (empty()) {
                return true;
            }
            long deadline = System.nanoTime() + wait.toNanos();
            kill();
            boolean interrupted = false;
            while (!empty() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return empty();
        }

        /** Kills, waits up to {@code wait} for the cgroup to empty, removes it; false if something survived. */
        public boolean killAndRemove(Duration wait) {
            if (!killAndAwaitEmpty(wait)) {
                Log.errorf("processes survived cgroup.kill in %s; the cgroup is left in place", dir);
                return false;
            }
            remove();
            return true;
        }

        void remove() {
            try {
                Files.deleteIfExists(dir); // rmdir: a cgroup directory is removed with its interface files
            } catch (IOException e) {
                Log.warnf("cannot remove the empty cgroup %s: %s", dir, e.getMessage());
            }
        }
    }

    private final Path mountinfo;
    private final Deque<Cgroup> idle = new ArrayDeque<>();
    /** Guarded by {@link #idle}: set when the agent stops. */
    private boolean stopped;
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
        Cgroup reused;
        while ((reused = takeIdle()) != null) {
            // Only root could have put a process into an idle cgroup; such a cgroup is not handed out.
            if (reused.empty() && Files.isDirectory(reused.dir(), LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(reused);
            }
            Log.warnf("the idle cgroup %s is not empty or is gone; it is not reused", reused.dir());
        }
        Path dir = root.get().resolve(PREFIX + UUID.randomUUID());
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

    /**
     * Empties a command's cgroup when its call ends: SIGKILLs what is left in it, waits up to
     * {@code wait}, then keeps it for the next command or removes it. A cgroup in which something
     * survived is left in place, logged, and never reused. Returns whether it was emptied.
     */
    public boolean release(Cgroup cgroup, Duration wait) {
        if (!cgroup.killAndAwaitEmpty(wait)) {
            Log.errorf("processes survived cgroup.kill in %s; the cgroup is left in place", cgroup.dir());
            return false;
        }
        synchronized (idle) {
            if (idle.size() < MAX_IDLE && !stopped) {
                idle.push(cgroup);
                return true;
            }
        }
        cgroup.remove();
        return true;
    }

    /**
     * Removes the idle cgroups (they are empty): nothing of the agent's is left when it stops. A command
     * or launcher released after this (beans stop in no set order) has its cgroup removed, not kept.
     */
    @PreDestroy
    void removeIdle() {
        synchronized (idle) {
            stopped = true;
        }
        Cgroup cgroup;
        while ((cgroup = takeIdle()) != null) {
            cgroup.remove();
        }
    }

    private Cgroup takeIdle() {
        synchronized (idle) {
            return idle.poll();
        }
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
