package io.fleetlink.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * CleanupMachine's reply: one step per requested type, {@code success} only if every step succeeded,
 * and who cleaned under which epoch and when: the facts a handover report is made of.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CleanupMachineResponse(boolean success, List<Step> steps, String hostId, String agentVersion,
        long epoch, String startedAt, String finishedAt) {

    /**
     * One step's result. {@code removed} names what was removed (pids, paths, fingerprints, container
     * ids, mount points); {@code removedTotal} counts it, and may exceed the list when the list is capped.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Step(String type, boolean success, String message, List<String> removed,
            long removedTotal, long bytesRemoved, int sessionsEnded, long durationMs) {

        /** A step whose count is its list and that removed no bytes and ended no session. */
        public Step(String type, boolean success, String message, List<String> removed) {
            this(type, success, message, removed, removed == null ? 0 : removed.size(), 0, 0, 0);
        }

        public Step withDurationMs(long durationMs) {
            return new Step(type, success, message, removed, removedTotal, bytesRemoved, sessionsEnded, durationMs);
        }
    }

    /** The steps' results without the agent's context (see {@link #at}). */
    public static CleanupMachineResponse of(List<Step> steps) {
        return new CleanupMachineResponse(steps.stream().allMatch(Step::success), List.copyOf(steps),
                null, null, 0, null, null);
    }

    /** This reply stamped with the agent that produced it, the epoch it ran under and its start and end. */
    public CleanupMachineResponse at(String hostId, String agentVersion, long epoch, String startedAt, String finishedAt) {
        return new CleanupMachineResponse(success, steps, hostId, agentVersion, epoch, startedAt, finishedAt);
    }

    /** The failed steps as {@code type (message), ...}; empty when every step succeeded. */
    public String failedSteps() {
        return String.join(", ", steps.stream()
                .filter(step -> !step.success())
                .map(step -> step.type() + " (" + step.message() + ")")
                .toList());
    }
}
