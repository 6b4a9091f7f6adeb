package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.CleanupStepType;

/**
 * What a release or host cleanup did on the machine, per step, as stored and as
 * {@code GET /api/v1/allocations/{id}/report} and the release callbacks show it: processes ended, data
 * entries removed, keys revoked, sessions ended, containers removed, datasets unmounted; who cleaned
 * (host, agent version), under which epoch, when, and whether the machine ended clean. Counts come from
 * the agent's totals where it sends them, else from the lists it returned (which an agent may cap).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HandoverReport(
        String allocationId,
        String hostId,
        String operationId,
        /** {@code release} or {@code host_cleanup}. */
        String kind,
        boolean clean,
        String error,
        Long epoch,
        String agentVersion,
        String startedAt,
        String finishedAt,
        /** Why the host was quarantined, when it was (the GPU and check, or the failed step); null when clean. */
        String quarantineReason,
        Removed processesEnded,
        Removed dataEntriesRemoved,
        long dataBytesRemoved,
        Removed keysRevoked,
        long sessionsEnded,
        Removed containersRemoved,
        Removed datasetsUnmounted,
        List<CleanupMachineResponse.Step> steps) {

    public static final String RELEASE = "release";
    public static final String HOST_CLEANUP = "host_cleanup";

    /** How many were removed, and which (pids, paths, fingerprints, container ids, mount points). */
    public record Removed(long count, List<String> items) {

        static final Removed NONE = new Removed(0, List.of());
    }

    /**
     * The report of one cleanup run.
     *
     * @param response what the agent answered, or null when no answer came (then {@code error} says why)
     * @param epoch the epoch the cleanup ran under (the agent's stamp wins when it sends one)
     */
    public static HandoverReport of(String kind, String allocationId, String hostId, String operationId, boolean clean,
            String error, Long epoch, CleanupMachineResponse response, Instant started, Instant finished) {
        List<CleanupMachineResponse.Step> steps = response == null || response.steps() == null
                ? List.of() : List.copyOf(response.steps());
        Removed processes = Removed.NONE;
        Removed data = Removed.NONE;
        Removed keys = Removed.NONE;
        Removed containers = Removed.NONE;
        Removed datasets = Removed.NONE;
        long bytes = 0;
        long sessions = 0;
        for (CleanupMachineResponse.Step step : steps) {
            Removed removed = removed(step);
            bytes += step.bytesRemoved();
            sessions += step.sessionsEnded();
            String type = step.type() == null ? "" : step.type();
            if (type.equals(CleanupStepType.PROCESS.wireName())) {
                processes = plus(processes, removed);
            } else if (type.equals(CleanupStepType.DATA.wireName())) {
                data = plus(data, removed);
            } else if (type.equals(CleanupStepType.SSH.wireName())) {
                keys = plus(keys, removed);
            } else if (type.equals(CleanupStepType.DOCKER.wireName())) {
                containers = plus(containers, removed);
            } else if (type.equals(CleanupStepType.DATASETS.wireName())) {
                datasets = plus(datasets, removed);
            }
        }
        boolean stamped = response != null && response.startedAt() != null && !response.startedAt().isEmpty();
        Long ranUnder = response != null && response.epoch() > 0 ? Long.valueOf(response.epoch()) : epoch;
        String version = response == null || response.agentVersion() == null || response.agentVersion().isEmpty()
                ? null : response.agentVersion();
        return new HandoverReport(allocationId, hostId, operationId, kind, clean, error, ranUnder, version,
                stamped ? response.startedAt() : started.toString(),
                stamped && response.finishedAt() != null && !response.finishedAt().isEmpty() ? response.finishedAt()
                        : finished.toString(),
                null, processes, data, bytes, keys, sessions, containers, datasets, steps);
    }

    /** This report naming why the host was quarantined (null: it was not). */
    public HandoverReport withQuarantineReason(String reason) {
        return new HandoverReport(allocationId, hostId, operationId, kind, clean, error, epoch, agentVersion, startedAt,
                finishedAt, reason, processesEnded, dataEntriesRemoved, dataBytesRemoved, keysRevoked, sessionsEnded,
                containersRemoved, datasetsUnmounted, steps);
    }

    private static Removed removed(CleanupMachineResponse.Step step) {
        List<String> items = step.removed() == null ? List.of() : step.removed();
        return new Removed(Math.max(step.removedTotal(), items.size()), items);
    }

    private static Removed plus(Removed a, Removed b) {
        List<String> items = new ArrayList<>(a.items());
        items.addAll(b.items());
        return new Removed(a.count() + b.count(), List.copyOf(items));
    }
}
