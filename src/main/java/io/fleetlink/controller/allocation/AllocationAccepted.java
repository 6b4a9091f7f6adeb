package io.fleetlink.controller.allocation;

/** The 202 answer to allocate and release: where the allocation stands and which operation to watch. */
public record AllocationAccepted(String allocationId, AllocationStatus status, String operationId) {
}
