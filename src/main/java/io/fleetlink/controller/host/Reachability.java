package io.fleetlink.controller.host;

/** What the reachability sweep last concluded about a host's agent. */
public enum Reachability {
    ONLINE, OFFLINE, UNKNOWN
}
