package io.fleetlink.controller.allocation;

/** PROVISIONING → READY or FAILED; READY → RELEASING → RELEASED or CLEANUP_FAILED. */
public enum AllocationStatus {
    PROVISIONING, READY, FAILED, RELEASING, RELEASED, CLEANUP_FAILED
}
