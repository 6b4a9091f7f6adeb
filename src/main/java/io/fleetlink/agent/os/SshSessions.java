package io.fleetlink.agent.os;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;

/**
 * Finds and ends a user's running sshd sessions: the privileged monitor ({@code sshd: user [priv]},
 * root) and the session process ({@code sshd: user@pts/0}, the user). The listening sshd is never
 * matched: its title starts with a path, which no user name can. Blocking.
 */
@ApplicationScoped
public class SshSessions {

    private static final Set<String> SSHD_COMMS = Set.of("sshd", "sshd-session");
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final ProcFs procFs;
    private final Signals signals;

    public SshSessions(ProcFs procFs, Signals signals) {
        this.procFs = procFs;
        this.signals = signals;
    }

    /** The sshd processes serving {@code user}'s sessions now. */
    public List<ProcessInfo> find(UserAccount user) {
        return procFs.list().stream()
                .filter(process -> SSHD_COMMS.contains(process.comm()))
                .filter(process -> belongsTo(process, procFs.cmdline(process.pid()), user))
                .toList();
    }

    /** How many sessions those processes make up: a monitor and its session process are one. */
    public static int countSessions(List<ProcessInfo> processes) {
        Set<Integer> pids = new HashSet<>();
        processes.forEach(process -> pids.add(process.pid()));
        return (int) processes.stream()
                .filter(process -> !pids.contains(process.ppid()))
                .count();
    }

    /** Ends every session of {@code user}: SIGTERM, then SIGKILL for what is left. Returns the number of sessions ended. */
    public int terminate(UserAccount user) {
        List<ProcessInfo> processes = find(user);
        if (processes.isEmpty()) {
            return 0;
        }
        signals.send("TERM", processes);
        List<ProcessInfo> left = signals.awaitGone(processes, GRACE);
        if (!left.isEmpty()) {
            signals.send("KILL", left);
            left = signals.awaitGone(left, KILL_WAIT);
        }
        if (!left.isEmpty()) {
            Log.warnf("%d sshd processes of %s survived SIGKILL", left.size(), user.name());
        }
        return countSessions(processes);
    }

    static boolean belongsTo(ProcessInfo process, List<String> cmdline, UserAccount user) {
        // sshd rewrites its argv into one title padded with NULs, so the pieces are joined back.
        String title = String.join(" ", cmdline).strip();
        String rest;
        if (title.startsWith("sshd: ")) {
            rest = title.substring("sshd: ".length());
        } else if (title.startsWith("sshd-session: ")) {
            rest = title.substring("sshd-session: ".length());
        } else {
            return false;
        }
        if (rest.equals(user.name() + " [priv]")) {
            return process.uid() == 0 || process.uid() == user.uid();
        }
        return rest.startsWith(user.name() + "@") && process.uid() == user.uid();
    }
}
