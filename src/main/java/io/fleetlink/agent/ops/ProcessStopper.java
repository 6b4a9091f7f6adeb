package io.fleetlink.agent.ops;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.os.Cgroups;
import io.fleetlink.agent.os.ProcFs;
import io.fleetlink.agent.os.ProcessInfo;
import io.fleetlink.agent.os.Signals;
import io.fleetlink.agent.os.TaskAncestry;
import io.fleetlink.agent.os.TenantRange;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.CleanupStepType;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.protocol.StopProcessResponse.Found;
import io.quarkus.logging.Log;

/**
 * StopProcess on the machine, and the cleanup's process step.
 *
 * <p>A task's processes are those whose environment carries the task variable, their descendants,
 * every process an earlier scan saw in the task's tree (same pid and start time, {@link TaskAncestry}),
 * and the members of a cgroup v2 a task process is in where that cgroup can only be the task's
 * ({@link Cgroups}). They are signalled, and whatever outlives the grace period gets SIGKILL, looking
 * again each round. A process that escaped (cleared its environment or left its parent) before any
 * scan saw it, outside such a cgroup, cannot be attributed.
 *
 * <p>A user's processes are ended as that user ({@link Signals#sendAsUser}), which a process forking
 * in a loop cannot outrun, and the step succeeds only when {@code /proc} shows none left.
 *
 * <p>Grace periods: a request's is refused (400) above {@code fleetlink.agent.process.max-grace} or
 * above {@code fleetlink.agent.operation-timeout} less {@link #KILL_BUDGET}; a configured default
 * ({@code process.default-grace}, {@code cleanup.process-grace}) above the latter is cut to fit it,
 * with a warning, so the operation never answers 504 while its work goes on. PID 1, the agent and
 * reused pids are never signalled. Blocking.
 */
@ApplicationScoped
public class ProcessStopper {

    /** How long a SIGKILLed process may take to disappear (it may be flushing a core dump or in D state). */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    /** Rounds of "look again, SIGKILL what is there": catches children forked while we were signalling. */
    private static final int KILL_ROUNDS = 3;

    /**
     * Room kept inside the operation timeout after the grace period: the first signal's helper, then
     * per SIGKILL round a helper and the wait for the processes to go, and a second to answer.
     */
    public static final Duration KILL_BUDGET = Signals.AS_USER_TIMEOUT
            .plus(Signals.AS_USER_TIMEOUT.plus(KILL_WAIT).multipliedBy(KILL_ROUNDS))
            .plusSeconds(1);

    /** Scans before signalling a user's processes, for the report (each is a snapshot a fork loop can slip through). */
    private static final int SCANS = 3;

    /** How often a wait for processes to go looks at {@code /proc} again. */
    private static final long POLL_MILLIS = 50;

    /** What ending a user's processes did: every pid seen, the zombies left (they have exited), escalation. */
    public record UserProcesses(List<Integer> seen, List<Integer> zombies, boolean escalated) {
    }

    /** Finds the processes to end now. */
    @FunctionalInterface
    private interface Targets {
        List<ProcessInfo> find();
    }

    /** What a termination did: every pid signalled, and whether any needed SIGKILL after the grace period. */
    private record Outcome(List<Integer> pids, boolean escalated) {
    }

    private final AgentConfig config;
    private final ProcFs procFs;
    private final Signals signals;
    private final TaskAncestry ancestry;
    private final Cgroups cgroups;
    private final AtomicBoolean clampWarned = new AtomicBoolean();

    public ProcessStopper(AgentConfig config, ProcFs procFs, Signals signals, TaskAncestry ancestry, Cgroups cgroups) {
        this.config = config;
        this.procFs = procFs;
        this.signals = signals;
        this.ancestry = ancestry;
        this.cgroups = cgroups;
    }

    public StopProcessResponse stop(StopProcessRequest request) {
        String signal = request.signal() == null ? "TERM" : request.signal().replaceFirst("^SIG", "");
        Duration grace = grace(request.gracePeriodSeconds());
        String taskId = request.taskId();
        Map<Integer, String> found = new LinkedHashMap<>();
        Outcome outcome = terminate(() -> taskTree(taskId, found), signal, grace);
        List<Found> how = outcome.pids().stream()
                .map(pid -> new Found(pid, found.getOrDefault(pid, Found.DESCENDANT)))
                .toList();
        return new StopProcessResponse(taskId, outcome.pids(), outcome.escalated(), outcome.pids().isEmpty(), how);
    }

    /**
     * Records the task's current tree in {@link TaskAncestry} without signalling anything, so that a
     * process which later escapes (clears its environment, is re-parented) is still attributed to the
     * task. StopProcess does this on every scan; this lets other code (and tests) scan earlier.
     */
    public void observe(String taskId) {
        taskTree(taskId, new LinkedHashMap<>());
    }

    /**
     * The cleanup's process step: ends every process of {@code user} (or, on a dry run, lists them)
     * and reports the pids seen and the zombies left; a step that could not verify that nothing of
     * the user is left running fails. Blocking.
     */
    public CleanupMachineResponse.Step cleanupStep(UserAccount user, Duration grace, boolean dryRun) {
        String step = CleanupStepType.PROCESS.wireName();
        UserProcesses result;
        try {
            result = killUserProcesses(user, grace, dryRun);
        } catch (AgentException e) {
            return new CleanupMachineResponse.Step(step, false, e.getMessage(), List.of());
        }
        List<String> pids = result.seen().stream()
                .map(String::valueOf)
                .toList();
        String zombies = result.zombies().isEmpty() ? ""
                : "; " + result.zombies().size() + " zombies of " + user.name() + " remain (exited, waiting for their parent "
                        + "to reap them; they hold no resources but a pid): " + result.zombies();
        if (dryRun) {
            return new CleanupMachineResponse.Step(step, true, "would end " + pids.size() + " processes of " + user.name() + zombies,
                    pids);
        }
        return new CleanupMachineResponse.Step(step, true, "ended " + pids.size() + " processes of " + user.name()
                + (result.escalated() ? " (SIGKILL after the grace period)" : "") + "; verified none is left running" + zombies, pids);
    }

    /**
     * Ends every process of {@code user}: SIGTERM to all of them at once, as the user; then, after
     * {@code grace} (cut to fit the operation timeout) or as soon as none is seen, SIGKILL rounds (at
     * least one) until {@code /proc} shows none left. On a dry run only lists them. The pids reported
     * are those the scans saw; a loop of short-lived processes may be seen only in part, but is ended
     * all the same. Zombies are counted apart: they have exited already.
     *
     * @throws AgentException 403 for an account outside the {@link TenantRange}; 500 when a
     *         process is still running after every SIGKILL round (nothing is claimed that is not verified)
     */
    public UserProcesses killUserProcesses(UserAccount user, Duration grace, boolean dryRun) {
        TenantRange.of(config).require(user);
        Set<Integer> seen = new TreeSet<>();
        // A /proc scan is a snapshot that a process forking and exiting in a loop slips through, so
        // what is seen is only reported: the signals below go out whether or not anything was seen.
        for (int scan = 0; scan < SCANS; scan++) {
            runningOf(user, seen);
        }
        if (dryRun) {
            return new UserProcesses(List.copyOf(seen), zombiesOf(user), false);
        }
        Duration fitted = fit(grace, "fleetlink.agent.cleanup.process-grace");
        List<String> helper = new ArrayList<>();
        helper.add("TERM: " + signals.sendAsUser(user, "TERM"));
        boolean gone = awaitNoneOf(user, fitted, seen);
        boolean escalated = !gone;
        // At least one SIGKILL round even when the scans saw nothing: a SIGKILLed process cannot fork
        // again, so only after one does "nothing seen in /proc" mean nothing is left.
        gone = false;
        List<Integer> zombies = new ArrayList<>();
        for (int round = 0; round < KILL_ROUNDS && !gone; round++) {
            helper.add("KILL: " + signals.sendAsUser(user, "KILL"));
            gone = awaitNoneOf(user, KILL_WAIT, seen, zombies);
        }
        if (!gone) {
            List<Integer> left = runningOf(user, seen).stream().map(ProcessInfo::pid).toList();
            throw AgentException.internal("processes " + left + " of " + user.name() + " are still running after SIGTERM and "
                    + KILL_ROUNDS + " rounds of SIGKILL sent as the user (" + String.join("; ", helper) + "); seen: " + seen
                    + ". Check for processes stuck in uninterruptible I/O (state D) and retry the cleanup", null);
        }
        // The zombies as the scan that found nothing running saw them (one /proc scan fewer than looking again).
        return new UserProcesses(List.copyOf(seen), List.copyOf(zombies), escalated);
    }

    /** The live (not zombie) processes of {@code user}; adds their pids to {@code seen}. */
    private List<ProcessInfo> runningOf(UserAccount user, Set<Integer> seen) {
        return runningOf(user, seen, procFs.list());
    }

    /** {@link #runningOf(UserAccount, Set)} in a scan already made. */
    private List<ProcessInfo> runningOf(UserAccount user, Set<Integer> seen, List<ProcessInfo> scan) {
        List<ProcessInfo> running = scan.stream()
                .filter(p -> p.uid() == user.uid() && !p.exited() && signals.signallable(p))
                .toList();
        running.forEach(p -> seen.add(p.pid()));
        return running;
    }

    private List<Integer> zombiesOf(UserAccount user) {
        return procFs.list().stream()
                .filter(p -> p.uid() == user.uid() && p.exited())
                .map(ProcessInfo::pid)
                .sorted()
                .toList();
    }

    /** Waits up to {@code timeout} for no process of {@code user} to be running; true when none is. */
    private boolean awaitNoneOf(UserAccount user, Duration timeout, Set<Integer> seen) {
        return awaitNoneOf(user, timeout, seen, new ArrayList<>());
    }

    /** {@link #awaitNoneOf(UserAccount, Duration, Set)}; {@code zombies} gets the user's zombies (sorted) as the last scan saw them. */
    private boolean awaitNoneOf(UserAccount user, Duration timeout, Set<Integer> seen, List<Integer> zombies) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ProcessInfo> all = procFs.list();
            zombies.clear();
            all.stream()
                    .filter(p -> p.uid() == user.uid() && p.exited())
                    .map(ProcessInfo::pid)
                    .sorted()
                    .forEach(zombies::add);
            if (runningOf(user, seen, all).isEmpty()) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Ends exactly {@code processes} (those still alive with the same start time): SIGTERM, the grace
     * (fitted to the operation budget like every grace here), then SIGKILL rounds. Returns the pids
     * signalled. Blocking.
     *
     * @throws AgentException 500 when one is still there after every SIGKILL round
     */
    public List<Integer> end(Collection<ProcessInfo> processes, Duration grace, String graceKey) {
        List<ProcessInfo> targets = List.copyOf(processes);
        return terminate(() -> signals.awaitGone(targets, Duration.ZERO), "TERM", fit(grace, graceKey)).pids();
    }

    private Duration grace(Integer requestedSeconds) {
        if (requestedSeconds == null) {
            return fit(config.process().defaultGrace(), "fleetlink.agent.process.default-grace");
        }
        Duration limit = config.process().maxGrace();
        Duration operationLimit = config.operationTimeout().minus(KILL_BUDGET);
        String bound = "fleetlink.agent.process.max-grace";
        if (operationLimit.compareTo(limit) < 0) {
            limit = operationLimit;
            bound = "fleetlink.agent.operation-timeout less the " + KILL_BUDGET.toSeconds() + " s the SIGKILL rounds may take";
        }
        if (Duration.ofSeconds(requestedSeconds).compareTo(limit) > 0) {
            throw AgentException.badRequest("grace_period_seconds",
                    "must be at most " + Math.max(0, limit.toSeconds()) + " (" + bound + ")");
        }
        return Duration.ofSeconds(requestedSeconds);
    }

    /** A configured grace period, cut to what fits in the operation timeout; warns once when it cuts. */
    private Duration fit(Duration configured, String key) {
        Duration fitted = fitGrace(configured, config.operationTimeout());
        if (!fitted.equals(configured) && clampWarned.compareAndSet(false, true)) {
            Log.warnf("%s=%s does not fit in fleetlink.agent.operation-timeout=%s less %s s for the SIGKILL rounds; using %s",
                    key, configured, config.operationTimeout(), KILL_BUDGET.toSeconds(), fitted);
        }
        return fitted;
    }

    /** {@code configured}, or {@code operationTimeout} less {@link #KILL_BUDGET} if that is shorter (never negative). */
    public static Duration fitGrace(Duration configured, Duration operationTimeout) {
        Duration room = operationTimeout.minus(KILL_BUDGET);
        if (room.isNegative()) {
            room = Duration.ZERO;
        }
        return configured.compareTo(room) > 0 ? room : configured;
    }

    /**
     * The task's running processes: those carrying the task variable, then those an earlier scan
     * recorded (same pid and start time), then members of an attributable cgroup of any of them, each
     * with its descendants. PID 1 and the agent are neither targets nor walked through: a container's
     * init that happens to carry the variable must not bring the whole machine with it. Records what
     * it found in {@link TaskAncestry} and how in {@code how} (first way wins).
     */
    private List<ProcessInfo> taskTree(String taskId, Map<Integer, String> how) {
        String variable = config.process().taskEnv();
        List<ProcessInfo> all = procFs.list();
        Map<Integer, ProcessInfo> byPid = new HashMap<>();
        Map<Integer, List<ProcessInfo>> children = new HashMap<>();
        for (ProcessInfo p : all) {
            byPid.put(p.pid(), p);
            children.computeIfAbsent(p.ppid(), ppid -> new ArrayList<>()).add(p);
        }
        Map<Integer, ProcessInfo> tree = new LinkedHashMap<>();
        Map<Integer, String> via = new HashMap<>();
        List<ProcessInfo> byEnvironment = all.stream()
                .filter(p -> signals.signallable(p) && procFs.environ(p.pid(), variable).filter(taskId::equals).isPresent())
                .toList();
        walk(byEnvironment, Found.ENVIRONMENT, children, tree, via);
        List<ProcessInfo> recorded = new ArrayList<>();
        for (TaskAncestry.Seen seen : ancestry.recorded(taskId)) {
            ProcessInfo p = byPid.get(seen.pid());
            if (p != null && p.startTime() == seen.startTime()) {
                recorded.add(p);
            }
        }
        walk(recorded, Found.RECORDED_ANCESTRY, children, tree, via);
        walk(cgroupMembers(tree.values(), byPid), Found.CGROUP, children, tree, via);
        ancestry.refresh(taskId, tree.values(), all);
        List<ProcessInfo> live = tree.values().stream()
                .filter(p -> !p.exited())
                .toList();
        live.forEach(p -> how.putIfAbsent(p.pid(), via.get(p.pid())));
        return live;
    }

    /** Adds {@code roots} (found {@code way}) and their descendants (found as descendants) to {@code tree}. */
    private void walk(Collection<ProcessInfo> roots, String way, Map<Integer, List<ProcessInfo>> children,
            Map<Integer, ProcessInfo> tree, Map<Integer, String> via) {
        Deque<ProcessInfo> queue = new ArrayDeque<>();
        for (ProcessInfo root : roots) {
            if (signals.signallable(root) && !tree.containsKey(root.pid())) {
                via.putIfAbsent(root.pid(), way);
                queue.add(root);
            }
        }
        while (!queue.isEmpty()) {
            ProcessInfo p = queue.poll();
            if (signals.signallable(p) && tree.putIfAbsent(p.pid(), p) == null) {
                via.putIfAbsent(p.pid(), Found.DESCENDANT);
                queue.addAll(children.getOrDefault(p.pid(), List.of()));
            }
        }
    }

    /** Members of the attributable cgroups the task's processes are in, not yet in the task's tree. */
    private List<ProcessInfo> cgroupMembers(Collection<ProcessInfo> task, Map<Integer, ProcessInfo> byPid) {
        Set<String> paths = new LinkedHashSet<>();
        for (ProcessInfo p : task) {
            procFs.cgroupV2(p.pid()).ifPresent(paths::add);
        }
        Set<Integer> taskPids = new java.util.HashSet<>();
        task.forEach(p -> taskPids.add(p.pid()));
        List<ProcessInfo> members = new ArrayList<>();
        for (String path : paths) {
            if (!cgroups.attributable(path)) {
                continue;
            }
            for (int pid : cgroups.members(path)) {
                Optional.ofNullable(byPid.get(pid))
                        .filter(p -> !taskPids.contains(p.pid()))
                        .ifPresent(members::add);
            }
        }
        return members;
    }

    /**
     * Signals the targets, waits for the grace period, then SIGKILLs whatever is still there (looking
     * again each round, which also refreshes the task's record) until nothing is left.
     */
    private Outcome terminate(Targets targets, String signal, Duration grace) {
        List<ProcessInfo> first = targets.find();
        if (first.isEmpty()) {
            return new Outcome(List.of(), false);
        }
        boolean killFirst = signal.equals("KILL");
        Map<Integer, ProcessInfo> signalled = new LinkedHashMap<>();
        remember(signalled, first, signals.send(signal, first));
        awaitTargetsGone(targets, killFirst ? KILL_WAIT : grace);
        boolean escalated = false;
        for (int round = 0; round < KILL_ROUNDS; round++) {
            List<ProcessInfo> left = targets.find();
            if (left.isEmpty()) {
                return new Outcome(pids(signalled.values()), escalated);
            }
            List<Integer> sent = signals.send("KILL", left);
            escalated |= !killFirst && !sent.isEmpty();
            remember(signalled, left, sent);
            signals.awaitGone(left, KILL_WAIT);
        }
        List<ProcessInfo> survivors = targets.find();
        if (survivors.isEmpty()) {
            return new Outcome(pids(signalled.values()), escalated);
        }
        throw AgentException.internal("processes " + pids(survivors) + " are still there after SIGKILL "
                + "(stuck in uninterruptible I/O?); signalled so far: " + pids(signalled.values()), null);
    }

    /**
     * Waits up to {@code grace} for the task to have no process left, scanning every so often so that
     * children forked meanwhile are recorded while their parents are still there to link them.
     */
    private void awaitTargetsGone(Targets targets, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline) {
            if (targets.find().isEmpty()) {
                return;
            }
            try {
                // A full scan reads every process's environment: twice a second is enough to link new children.
                Thread.sleep(Math.min(500, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void remember(Map<Integer, ProcessInfo> signalled, List<ProcessInfo> candidates, List<Integer> sent) {
        for (ProcessInfo p : candidates) {
            if (sent.contains(p.pid())) {
                signalled.putIfAbsent(p.pid(), p);
            }
        }
    }

    private static List<Integer> pids(Collection<ProcessInfo> processes) {
        return List.copyOf(new TreeSet<>(processes.stream().map(ProcessInfo::pid).toList()));
    }
}
