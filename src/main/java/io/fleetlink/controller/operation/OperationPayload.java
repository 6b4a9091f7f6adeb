package io.fleetlink.controller.operation;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What an operation needs to run again after a restart, stored with it as JSON: the allocation or
 * task it serves, the request it sends, and the host's fencing epoch of the ownership it acts for
 * (null for an operation stored before epochs existed: its calls go unfenced).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OperationPayload(
        String allocationId,
        String taskId,
        String user,
        List<String> sshPublicKeys,
        List<String> cleanupTypes,
        Long epoch) {

    public static OperationPayload provision(String allocationId, String user, List<String> keys, long epoch) {
        return new OperationPayload(allocationId, null, user, List.copyOf(keys), null, epoch);
    }

    public static OperationPayload cleanup(String allocationId, String user, List<String> types, long epoch) {
        return new OperationPayload(allocationId, null, user, null, List.copyOf(types), epoch);
    }

    public static OperationPayload taskStop(String taskId, Long epoch) {
        return new OperationPayload(null, taskId, null, null, null, epoch);
    }

    /** This payload under another epoch (the store was behind the agent and the owner moved above it). */
    public OperationPayload withEpoch(long newEpoch) {
        return new OperationPayload(allocationId, taskId, user, sshPublicKeys, cleanupTypes, newEpoch);
    }
}
