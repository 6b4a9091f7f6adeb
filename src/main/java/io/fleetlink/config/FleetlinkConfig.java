package io.fleetlink.config;

import io.smallrye.config.ConfigMapping;

/**
 * Settings that decide what this Fleetlink process is.
 */
@ConfigMapping(prefix = "fleetlink")
public interface FleetlinkConfig {

    /**
     * The role of this process: {@code agent} (on a GPU machine), {@code controller} (the backend's
     * side) or {@code all} (both in one process, for trying it out). The endpoints and gRPC services
     * of a role that is off answer 404 / UNIMPLEMENTED.
     */
    Role role();
}
