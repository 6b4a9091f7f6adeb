package io.fleetlink.agent.os;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The agent's memory of which processes belonged to which task: per task id, the (pid, start time)
 * of every process seen in the task's tree by any scan. A process that later rewrote its environment
 * or was re-parented to PID 1 when its parent died is still known by what was recorded. Bounded:
 * at most {@link #MAX_TASKS} tasks (least recently used forgotten first) and {@link #MAX_PER_TASK}
 * processes per task; entries of processes no longer running are dropped at each refresh. In memory
 * only: an agent restart forgets it. Thread-safe.
 */
@ApplicationScoped
public class TaskAncestry {

    static final int MAX_TASKS = 1024;
    static final int MAX_PER_TASK = 4096;

    /** One process, told from a later one with the same pid by its start time. */
    public record Seen(int pid, long startTime) {
        public static Seen of(ProcessInfo process) {
            return new Seen(process.pid(), process.startTime());
        }
    }

    private final Map<String, Set<Seen>> tasks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Set<Seen>> eldest) {
            return size() > MAX_TASKS;
        }
    };

    /** What is recorded for the task. */
    public synchronized Set<Seen> recorded(String taskId) {
        Set<Seen> seen = tasks.get(taskId);
        return seen == null ? Set.of() : Set.copyOf(seen);
    }

    /**
     * Adds {@code found} to the task's record and drops entries not in {@code running} (every process
     * of the scan that found them): a (pid, start time) that is gone never comes back.
     */
    public synchronized void refresh(String taskId, Collection<ProcessInfo> found, Collection<ProcessInfo> running) {
        Set<Seen> live = new LinkedHashSet<>();
        running.forEach(p -> live.add(Seen.of(p)));
        Set<Seen> seen = tasks.computeIfAbsent(taskId, id -> new LinkedHashSet<>());
        seen.retainAll(live);
        for (ProcessInfo p : found) {
            if (seen.size() >= MAX_PER_TASK) {
                break;
            }
            seen.add(Seen.of(p));
        }
        if (seen.isEmpty()) {
            tasks.remove(taskId);
        }
    }
}
