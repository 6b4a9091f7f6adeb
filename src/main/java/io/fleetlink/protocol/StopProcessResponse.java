package io.fleetlink.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * StopProcess's reply. {@code found} says, for every pid signalled, how it was attributed to the task;
 * it may be empty from an older agent that did not report it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record StopProcessResponse(String taskId, List<Integer> killedPids, boolean escalatedToKill, boolean alreadyStopped,
        List<Found> found) {

    /** How a process was attributed to the task: {@link #ENVIRONMENT} etc. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Found(int pid, String via) {
        /** Its environment carries the task variable. */
        public static final String ENVIRONMENT = "environment";
        /** A child (or deeper) of a process of the task, at the time of the scan. */
        public static final String DESCENDANT = "descendant";
        /** Seen in the task's tree by an earlier scan (same pid and start time), wherever it is now. */
        public static final String RECORDED_ANCESTRY = "recorded-ancestry";
        /** A member of a (non-root, non-agent) cgroup v2 that a process of the task is in. */
        public static final String CGROUP = "cgroup";
    }

    public StopProcessResponse {
        killedPids = killedPids == null ? List.of() : List.copyOf(killedPids);
        found = found == null ? List.of() : List.copyOf(found);
    }
}
