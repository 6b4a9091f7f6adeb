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
