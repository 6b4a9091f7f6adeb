package io.fleetlink.lifecycle;

import io.fleetlink.config.Role;

/**
 * What one role does when a process starts and stops in a role that includes it. Each role has one;
 * {@link RoleLauncher} is the one place that decides, from {@code fleetlink.role}, which of them run,
 * so no other bean asks whether its role is on: a bean of a role that is off is never started or used.
 */
public interface RoleLifecycle {

    /** The role this belongs to: {@link Role#AGENT} or {@link Role#CONTROLLER}. */
    Role role();

    /** Settles the role's credentials, opens what it needs and starts its jobs; blocking, fails start-up when it throws. */
    void start();

    /** Stops the role's jobs; called once at shutdown, only after {@link #start()}. */
    void stop();
}
