package io.fleetlink.agent.ops;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.os.ProcFs;
import io.fleetlink.agent.os.ProcessInfo;
import io.fleetlink.agent.os.Signals;
import io.fleetlink.agent.os.TenantRange;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;

/**
 * StopProcess on the machine, and the cleanup's process step: finds a task's processes (by the task
 * variable in their environment, plus their descendants) or a user's, signals them, and SIGKILLs
 * whatever outlives the grace period, until none is left. PID 1, the agent and reused pids are never
 * signalled ({@link Signals}). Blocking.
 */
@ApplicationScoped
public class ProcessStopper {

    /** How long a SIGKILLed process may take to disappear (it may be flushing a core dump or in D state). */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    /** Rounds of "look again, SIGKILL what is there": catches children forked while we were signalling. */
    private static final int KILL_ROUNDS = 3;

    /** Room left inside the operation timeout for the SIGKILL rounds after the grace period. */
    private static final Duration KILL_BUDGET = KILL_WAIT.multipliedBy(KILL_ROUNDS).plusSeconds(1);

    /** Finds the processes to end now; {@code known} are those already signalled, to follow their children. */
    @FunctionalInterface
    private interface Targets {
        List<ProcessInfo> find(Collection<ProcessInfo> known);
    }

    /** What a termination did: every pid signalled, and whether any needed SIGKILL after the grace period. */
    private record Outcome(List<Integer> pids, boolean escalated) {
    }

    private final AgentConfig config;
    private final ProcFs procFs;
    private final Signals signals;

    public ProcessStopper(AgentConfig config, ProcFs procFs, Signals signals) {
        this.config = config;
        this.procFs = procFs;
        this.signals = signals;
    }

    public StopProcessResponse stop(StopProcessRequest request) {
        String signal = request.signal() == null ? "TERM" : request.signal().replaceFirst("^SIG", "");
        Duration grace = grace(request.gracePeriodSeconds());
        String taskId = request.taskId();
        Outcome outcome = terminate(known -> taskTree(taskId, known), signal, grace);
        return new StopProcessResponse(taskId, outcome.pids(), outcome.escalated(), outcome.pids().isEmpty());
    }

    /**
     * Ends every process of {@code user} (SIGTERM, SIGKILL after {@code grace}) and returns their pids;
     * on a dry run only lists them. Used by the cleanup's process step. Blocking.
     *
     * @throws AgentException 403 for an account outside the {@link TenantRange}; 500 when a
     *         process survives SIGKILL
     */
    public List<Integer> killUserProcesses(UserAccount user, Duration grace, boolean dryRun) {
        TenantRange.of(config).require(user);
        Targets owned = known -> procFs.list().stream()
                .filter(p -> p.uid() == user.uid() && !p.exited() && signals.signallable(p))
                .toList();
        if (dryRun) {
            return pids(owned.find(List.of()));
        }
        return terminate(owned, "TERM", grace).pids();
    }

    private Duration grace(Integer requestedSeconds) {
        if (requestedSeconds == null) {
            return config.process().defaultGrace();
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

    /**
     * The live processes whose environment carries the task variable, and all their descendants, plus
     * the descendants of processes already signalled (an orphan re-parented away keeps its variable).
     * PID 1 and the agent are neither targets nor walked through: a container's init that happens to
     * carry the variable must not bring the whole machine with it.
     */
    private List<ProcessInfo> taskTree(String taskId, Collection<ProcessInfo> known) {
        String variable = config.process().taskEnv();
        List<ProcessInfo> all = procFs.list();
        Map<Integer, List<ProcessInfo>> children = new HashMap<>();
        for (ProcessInfo p : all) {
            children.computeIfAbsent(p.ppid(), ppid -> new ArrayList<>()).add(p);
        }
        Map<Integer, Long> knownStarts = new HashMap<>();
        known.forEach(p -> knownStarts.put(p.pid(), p.startTime()));
        Deque<ProcessInfo> roots = new ArrayDeque<>();
        for (ProcessInfo p : all) {
            boolean stillKnown = knownStarts.containsKey(p.pid()) && knownStarts.get(p.pid()) == p.startTime();
            if (signals.signallable(p) && (stillKnown || procFs.environ(p.pid(), variable).filter(taskId::equals).isPresent())) {
                roots.add(p);
            }
        }
        Map<Integer, ProcessInfo> tree = new LinkedHashMap<>();
        while (!roots.isEmpty()) {
            ProcessInfo p = roots.poll();
            if (signals.signallable(p) && tree.putIfAbsent(p.pid(), p) == null) {
                roots.addAll(children.getOrDefault(p.pid(), List.of()));
            }
        }
        return tree.values().stream()
                .filter(p -> !p.exited())
                .toList();
    }

    /**
     * Signals the targets, waits for the grace period, then SIGKILLs whatever is still there (looking
     * again each round for children forked meanwhile) until nothing is left.
     */
    private Outcome terminate(Targets targets, String signal, Duration grace) {
        List<ProcessInfo> first = targets.find(List.of());
        if (first.isEmpty()) {
            return new Outcome(List.of(), false);
        }
        boolean killFirst = signal.equals("KILL");
        Map<Integer, ProcessInfo> signalled = new LinkedHashMap<>();
        remember(signalled, first, signals.send(signal, first));
        signals.awaitGone(first, killFirst ? KILL_WAIT : grace);
        boolean escalated = false;
        for (int round = 0; round < KILL_ROUNDS; round++) {
            List<ProcessInfo> left = targets.find(signalled.values());
            if (left.isEmpty()) {
                return new Outcome(pids(signalled.values()), escalated);
            }
            List<Integer> sent = signals.send("KILL", left);
            escalated |= !killFirst && !sent.isEmpty();
            remember(signalled, left, sent);
            signals.awaitGone(left, KILL_WAIT);
        }
        List<ProcessInfo> survivors = targets.find(signalled.values());
        if (survivors.isEmpty()) {
            return new Outcome(pids(signalled.values()), escalated);
        }
        throw AgentException.internal("processes " + pids(survivors) + " are still there after SIGKILL "
                + "(stuck in uninterruptible I/O?); signalled so far: " + pids(signalled.values()), null);
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
