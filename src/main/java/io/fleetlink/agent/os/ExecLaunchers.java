package io.fleetlink.agent.os;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.DaemonThreads;
import io.fleetlink.config.AgentConfig;
import io.quarkus.logging.Log;

/**
 * Commands that start without waiting for a process to be made, a shell to load and a cgroup to be
 * joined: a <em>launcher</em> is a root {@code bash}, started in a session of its own by {@code setsid},
 * that has already moved itself into an empty exec cgroup and waits on its stdin for one command
 * (working directory, environment, argv, each NUL-terminated), then becomes it with {@code exec}. The
 * call itself costs one {@code exec} (two for a tenant: {@code setpriv}); the rest happened before the
 * call. Two launchers are kept waiting and a new one is made whenever one is taken: making one takes a few
 * milliseconds (a {@code vfork} of the JVM, {@code setsid}, bash, the join), longer than the gap between
 * back-to-back calls, and with one kept a tenth to a quarter of such calls found it still starting and
 * started cold (measured with {@code perf record} of 300 back-to-back execs).
 *
 * <p>Why: joining a cgroup takes the kernel's {@code cgroup_threadgroup_rwsem} for writing, which waits
 * for an RCU grace period when no process moved between cgroups recently: about 7 ms after 50 ms without
 * a move on the development machine, 22 ms once under load, so a spaced-out exec (the usual case) paid
 * it on every call (a cgroup2 mounted with {@code favordynmods} avoids the wait; systemd does not mount
 * it so). And the cold path runs three programs ({@code sh} to join, {@code setsid}, the command).
 *
 * <p>The launcher's script is a constant; what it reads is data: no field is ever evaluated, the
 * variables are exported by name ({@code export -- NAME=value}) and the program is executed from the
 * array. Its own environment is empty (the agent's may hold its token); bash adds {@code SHLVL=0} to the
 * command's environment, and nothing else of its own. Blocking.
 */
@ApplicationScoped
public class ExecLaunchers {

    /**
     * $1: the cgroup's cgroup.procs. Joins first (the readiness the agent checks), then reads the command:
     * directory, variable count n, n NAME=value entries, argv. {@code mapfile -d ''} needs bash 4.4 (2016);
     * an older bash exits 125 before joining and launchers are switched off.
     */
    static final String SCRIPT = """
            ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)) || exit 125
            echo $$ > "$1" || exit 125
            mapfile -d '' -t a || exit 125
            [[ ${a[1]} =~ ^[0-9]+$ ]] && n=${a[1]} && (( ${#a[@]} > 2 + n )) || exit 125
            cd -P -- "${a[0]}" || exit 125
            unset PWD OLDPWD
            for ((i = 2; i < 2 + n; i++)); do export -- "${a[i]}" || exit 125; done
            exec -- "${a[@]:2+n}" </dev/null
            """;

    /** The exit status of a launcher that could not start or read its command. */
    static final int LAUNCHER_FAILED = 125;

    /** Launchers kept waiting for a command. */
    public static final int KEPT = 2;

    /** How long a discarded launcher's cgroup may take to empty after SIGKILL. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    /** A launcher that is ready: alive and inside its (otherwise empty) cgroup. */
    public static final class Launcher {
        private final Process process;
        private final ExecCgroups.Cgroup cgroup;

        Launcher(Process process, ExecCgroups.Cgroup cgroup) {
            this.process = process;
            this.cgroup = cgroup;
        }

        /** The launcher's cgroup: the command's once it started. */
        public ExecCgroups.Cgroup cgroup() {
            return cgroup;
        }

        /**
         * Hands the command over ({@link ExecLaunchers#request}): the launcher becomes {@code argv[0]} in
         * the request's directory with exactly its environment (and bash's {@code SHLVL}), stdin
         * {@code /dev/null}. Returns the process, whose pid leads the command's session. An IOException
         * means nothing was started: the launcher is gone.
         */
        public Process start(byte[] request) throws IOException {
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(request);
            }
            return process;
        }

        /** Alive, and its pid listed in its cgroup: it joined and waits for its command. */
        boolean ready() {
            if (!process.isAlive()) {
                return false;
            }
            try {
                String pid = Long.toString(process.pid());
                return Files.readAllLines(cgroup.procs(), StandardCharsets.US_ASCII).contains(pid);
            } catch (IOException e) {
                return false;
            }
        }
    }

    /**
     * The most bytes a command handed to a launcher may take. Bash reads a pipe one byte per system call
     * (it cannot seek back on one), about 0.3 ms per KiB measured here, so a larger command (a long script
     * in argv) starts cold instead, where the kernel copies argv at once.
     */
    public static final int MAX_REQUEST_BYTES = 2048;

    /**
     * A command as a launcher reads it: directory, number of variables, {@code NAME=value} each, argv,
     * every field NUL-terminated (none can hold a NUL: the request checks refuse them).
     */
    public static byte[] request(Path directory, Map<String, String> env, List<String> argv) {
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        field(fields, directory.toString());
        field(fields, Integer.toString(env.size()));
        env.forEach((name, value) -> field(fields, name + "=" + value));
        argv.forEach(arg -> field(fields, arg));
        return fields.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String value) {
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    private final ExecCgroups cgroups;
    private final boolean enabled;
    private final ExecutorService maker = Executors.newSingleThreadExecutor(DaemonThreads.named("fleetlink-exec-launcher"));
    private final AtomicBoolean making = new AtomicBoolean();
    private final Object lock = new Object();
    /** Oldest first: the first is the likeliest to be ready. */
    private final Deque<Launcher> waiting = new ArrayDeque<>();
    private volatile boolean disabled;
    private volatile boolean closed;

    public ExecLaunchers(ExecCgroups cgroups, AgentConfig config) {
        this.cgroups = cgroups;
        this.enabled = config.exec().warmLauncher();
    }

    /**
     * A ready launcher, if there is one (empty: start the command cold); a new one is made in the
     * background either way. Launchers still starting are kept for later calls; dead ones are discarded,
     * and one that exited with {@link #LAUNCHER_FAILED} before it was used switches launchers off.
     */
    public Optional<Launcher> take() {
        if (!enabled || disabled || closed) {
            return Optional.empty();
        }
        Launcher taken = null;
        List<Launcher> dead = new ArrayList<>();
        synchronized (lock) {
            for (Iterator<Launcher> it = waiting.iterator(); it.hasNext();) {
                Launcher launcher = it.next();
                if (!launcher.process.isAlive()) {
                    it.remove();
                    dead.add(launcher);
                } else if (taken == null && launcher.ready()) {
                    it.remove();
                    taken = launcher;
                }
            }
        }
        for (Launcher launcher : dead) {
            if (launcher.process.exitValue() == LAUNCHER_FAILED) {
                disable("a launcher exited with " + LAUNCHER_FAILED + " before it was used (bash older than 4.4, "
                        + "or it could not join its cgroup)");
            }
            discard(launcher); // outside the lock: emptying its cgroup may wait
        }
        refill();
        return Optional.ofNullable(taken);
    }

    /** Kills the launchers waiting for a command and empties their cgroups: nothing is left when the agent stops. */
    @PreDestroy
    void close() {
        closed = true;
        // Not shutdownNow: an interrupted maker could not wait for the cgroup of the launcher it was making
        // to empty, and would leave it behind.
        maker.shutdown();
        try {
            // A launcher being made now is discarded by its maker once it sees closed; wait for that, or its
            // cgroup would outlive the agent when the JVM exits right after.
            maker.awaitTermination(KILL_WAIT.toSeconds() * 2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Launcher> left;
        synchronized (lock) {
            left = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Launcher launcher : left) {
            kill(launcher);
            removeCgroup(launcher);
        }
    }

    private void refill() {
        if (!making.compareAndSet(false, true)) {
            return;
        }
        try {
            maker.execute(() -> {
                try {
                    make();
                } finally {
                    making.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            making.set(false); // the agent is stopping
        }
    }

    /** Makes launchers until {@link #KEPT} are waiting. */
    private void make() {
        while (!disabled) {
            synchronized (lock) {
                if (waiting.size() >= KEPT || closed) {
                    return;
                }
            }
            Optional<Launcher> made = makeOne();
            if (made.isEmpty()) {
                return;
            }
            boolean keep;
            synchronized (lock) {
                keep = waiting.size() < KEPT && !closed;
                if (keep) {
                    waiting.addLast(made.get());
                }
            }
            if (!keep) {
                discard(made.get());
                return;
            }
        }
    }

    private Optional<Launcher> makeOne() {
        Optional<ExecCgroups.Cgroup> cgroup = cgroups.create();
        if (cgroup.isEmpty()) {
            disable("commands have no cgroup on this machine");
            return Optional.empty();
        }
        try {
            ProcessBuilder builder = new ProcessBuilder(List.of(Executables.helper("setsid"), "--", Executables.helper("bash"),
                    "--norc", "--noprofile", "-c", SCRIPT, "fleetlink-launcher", cgroup.get().procs().toString()))
                    .directory(Path.of("/").toFile());
            // Nothing of the agent's environment (it may hold its token): the command's comes on stdin.
            builder.environment().clear();
            return Optional.of(new Launcher(builder.start(), cgroup.get()));
        } catch (IOException | IllegalStateException e) {
            release(cgroup.get());
            disable("cannot start bash: " + e.getMessage());
            return Optional.empty();
        }
    }

    private void discard(Launcher launcher) {
        kill(launcher);
        if (closed) {
            removeCgroup(launcher);
        } else {
            release(launcher.cgroup);
        }
    }

    /**
     * SIGKILLs the launcher and waits until it is gone. Only then is its cgroup's state final: a launcher
     * killed while its join was waiting in the kernel (an RCU grace period) still completes the join, after
     * the cgroup may have looked empty, and the cgroup's removal then fails with EBUSY. As with the
     * cgroup's own wait, an interrupt is kept for the caller but does not cut the wait short.
     */
    private static void kill(Launcher launcher) {
        launcher.process.destroyForcibly();
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        boolean interrupted = false;
        while (launcher.process.isAlive() && System.nanoTime() < deadline) {
            try {
                launcher.process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills what is in the launcher's cgroup and removes it, rather than keep it for a command to come. */
    private static void removeCgroup(Launcher launcher) {
        // Removed, not kept for reuse: the idle cgroups may already be gone with ExecCgroups.
        launcher.cgroup.killAndRemove(KILL_WAIT);
    }

    private void release(ExecCgroups.Cgroup cgroup) {
        cgroups.release(cgroup, KILL_WAIT);
    }

    private void disable(String why) {
        if (!disabled) {
            disabled = true;
            Log.warnf("commands start cold, without a waiting launcher (%s): each call makes its process and joins "
                    + "its cgroup itself", why);
        }
    }
}
