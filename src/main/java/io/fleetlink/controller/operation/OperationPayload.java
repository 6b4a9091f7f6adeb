package io.fleetlink.controller.operation;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What an operation needs to run again after a restart, stored with it as JSON: the allocation or
 * task it serves and the request it sends.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OperationPayload(
        String allocationId,
        String taskId,
        String user,
        List<String> sshPublicKeys,
        List<String> cleanupTypes) {

    public static OperationPayload provision(String allocationId, String user, List<String> keys) {
        return new OperationPayload(allocationId, null, user, List.copyOf(keys), null);
    }

    public static OperationPayload cleanup(String allocationId, String user, List<String> types) {
        return new OperationPayload(allocationId, null, user, null, List.copyOf(types));
    }

    public static OperationPayload taskStop(String taskId) {
        return new OperationPayload(null, taskId, null, null, null);
    }
}
