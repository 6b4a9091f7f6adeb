package io.fleetlink.config;

import java.util.Locale;

/**
 * What a caller of the controller API may do. The table of which role may call which endpoint is
 * {@code controller/security/ApiPermissions}.
 */
public enum ApiRole {
    /** Everything, including registering hosts and reading per-host agent tokens. */
    ADMIN,
    /** The platform backend: reads hosts, creates and releases allocations and tasks, reads operations. */
    PLATFORM,
    /** On-call: reads everything, starts a manual cleanup, runs a command, drains a host. */
    OPERATOR,
    /** A dashboard: reads only. */
    VIEWER;

    /** The spelling used in configuration and messages. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
