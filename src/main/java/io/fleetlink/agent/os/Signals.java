package io.fleetlink.agent.os;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Sends signals, with the two guards no caller may forget: never PID 1 and never the agent itself,
 * and never a pid that now belongs to another process (checked by start time just before sending).
 */
@ApplicationScoped
public class Signals {

    /** Signals a request may name, without the SIG prefix. */
    public static final Set<String> ALLOWED = Set.of("TERM", "INT", "HUP", "QUIT", "KILL", "USR1", "USR2");

    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

    /** Hard limit on one {@link #sendAsUser} helper; {@code kill(-1)} itself returns at once. */
    public static final Duration AS_USER_TIMEOUT = Duration.ofSeconds(5);

    private final HostCommands commands;
    private final ProcFs procFs;
    private final long self = ProcessHandle.current().pid();

    public Signals(HostCommands commands, ProcFs procFs) {
        this.commands = commands;
        this.procFs = procFs;
    }

    /** Whether the agent may ever signal this process. */
    public boolean signallable(ProcessInfo process) {
        return process.pid() > 1 && process.pid() != self;
    }

    /**
     * Sends {@code signal} (e.g. {@code TERM}) to every process still alive with the same start
     * time; returns the pids it was sent to. Blocking.
     */
    public List<Integer> send(String signal, Collection<ProcessInfo> processes) {
        String name = signal.startsWith("SIG") ? signal.substring(3) : signal;
        if (!ALLOWED.contains(name)) {
            throw new IllegalArgumentException("signal " + signal + " is not allowed");
        }
        List<String> argv = new ArrayList<>(List.of("kill", "-s", name, "--"));
        List<Integer> sent = new ArrayList<>();
        for (ProcessInfo process : processes) {
            if (signallable(process) && procFs.alive(process)) {
                argv.add(Integer.toString(process.pid()));
                sent.add(process.pid());
            }
        }
        if (sent.isEmpty()) {
            return sent;
        }
        try {
            // A non-zero exit only means some process exited before the signal arrived.
            commands.run(argv, KILL_TIMEOUT);
        } catch (HostCommands.CommandException e) {
            throw new IllegalStateException("cannot send SIG" + name + ": " + e.getMessage(), e);
        }
        return sent;
    }

    /**
     * Sends {@code signal} to every process of {@code user} at once: a helper that has become that uid
     * (real, effective and saved; no supplementary groups, so no capability survives its exec) calls
     * {@code kill(-1, signal)}, which the kernel delivers to every process that uid may signal while
     * holding the task list, so a process forking in a loop cannot slip past it, and which never
     * reaches another user's process, PID 1 or the agent. Returns what the helper reported; the caller
     * must check {@code /proc} to know whether anything is left. The helper runs with an empty
     * environment, since the user may read the environment of a process running as them. Blocking.
     *
     * @throws IllegalArgumentException for uid 0 or a signal not in {@link #ALLOWED}
     * @throws IllegalStateException when setpriv or kill cannot be found or run
     */
    public String sendAsUser(UserAccount user, String signal) {
        String name = signal.startsWith("SIG") ? signal.substring(3) : signal;
        if (!ALLOWED.contains(name)) {
            throw new IllegalArgumentException("signal " + signal + " is not allowed");
        }
        if (user.uid() <= 0 || user.gid() < 0) {
            throw new IllegalArgumentException("refusing to signal every process of uid " + user.uid());
        }
        List<String> argv = List.of(
                program("env"), "-i",
                program("setpriv"), "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups", "--",
                // procps kill takes "-1" only after "--", and the signal only as "-NAME" before it.
                program("kill"), "-" + name, "--", "-1");
        try {
            HostCommands.Result result = commands.run(argv, AS_USER_TIMEOUT);
            // Non-zero: nothing of that uid was left to signal, or the user killed the helper first.
            // Either way only /proc can tell what is left, so this is for the report only.
            return result.ok() ? "sent" : "helper ended with status " + result.exitCode() + " " + result.diagnostic();
        } catch (HostCommands.CommandException e) {
            return "helper failed: " + e.getMessage();
        }
    }

    private static String program(String name) {
        return Executables.find(name)
                .map(Object::toString)
                .orElseThrow(() -> new IllegalStateException(name + " is not on the agent's PATH; it is needed to signal "
                        + "a user's processes as that user (util-linux setpriv, procps kill, coreutils env)"));
    }

    /**
     * Sends SIGKILL to every member of process group {@code pgid} at once (the kernel walks the group,
     * so a member forking meanwhile cannot slip out). Refuses group 1 and the agent's own group. The
     * caller must know the group is its own and still populated: a leader it has not reaped, or members
     * seen in {@link ProcFs#processGroup}. Returns whether a signal was sent. Blocking.
     */
    public boolean killGroup(int pgid) {
        if (pgid <= 1 || pgid == self || procFs.processGroup(pgid).stream().anyMatch(p -> p.pid() == self)) {
            throw new IllegalArgumentException("process group " + pgid + " may not be signalled");
        }
        try {
            // Exit 1 means the group was already empty.
            return commands.run(List.of("kill", "-s", "KILL", "--", "-" + pgid), KILL_TIMEOUT).ok();
        } catch (HostCommands.CommandException e) {
            throw new IllegalStateException("cannot send SIGKILL to process group " + pgid + ": " + e.getMessage(), e);
        }
    }

    /** Waits up to {@code timeout} for every process to be gone; returns those still alive. Blocking. */
    public List<ProcessInfo> awaitGone(Collection<ProcessInfo> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessInfo> alive = new ArrayList<>(processes);
        while (true) {
            alive.removeIf(p -> !procFs.alive(p));
            if (alive.isEmpty() || System.nanoTime() >= deadline) {
                return alive;
            }
            try {
                Thread.sleep(Math.min(50, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return alive;
            }
        }
    }
}
