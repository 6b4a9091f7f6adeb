package io.fleetlink.controller.host;

/** What a host is doing for tenants; only an AVAILABLE host can be allocated. */
public enum HostState {
    AVAILABLE,
    ALLOCATED,
    /** Being cleaned: after a release, a failed provisioning, or an operator's cleanup. */
    RELEASING,
    /** A cleanup failed; never allocated again until a manual cleanup succeeds. */
    QUARANTINED
}
