package io.fleetlink.config;

/**
 * Which half of Fleetlink this process runs; chosen at run time by {@code fleetlink.role}.
 */
public enum Role {
    /** The node agent on a GPU machine. */
    AGENT,
    /** The control-plane side that talks to agents. */
    CONTROLLER,
    /** A controller plus a local agent in one process, for trying Fleetlink out. */
    ALL;

    public boolean runsAgent() {
        return this != CONTROLLER;
    }

    public boolean runsController() {
        return this != AGENT;
    }

    /** The spelling used in configuration and messages. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
