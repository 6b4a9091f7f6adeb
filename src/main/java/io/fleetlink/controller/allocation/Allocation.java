package io.fleetlink.controller.allocation;

import java.time.Instant;
import java.util.List;

/**
 * A host handed to a tenant user, as stored and as the API shows it; {@code operation_id} is its latest
 * operation, {@code epoch} the host's fencing epoch this allocation was given.
 */
public record Allocation(
        String allocationId,
        String hostId,
        String user,
        List<String> sshPublicKeys,
        AllocationStatus status,
        String error,
        String operationId,
        Instant createdAt,
        Instant updatedAt,
        long epoch) {
}
