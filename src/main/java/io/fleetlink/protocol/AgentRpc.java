package io.fleetlink.protocol;

import java.util.Locale;

/**
 * The explicit table of agent operations; nothing is dispatched by a name the caller chose.
 */
public enum AgentRpc {
    PING,
    SYSTEM_INFO,
    PROCESS_STOP,
    SSH_RESET,
    MACHINE_CLEANUP,
    DATASET_MOUNT,
    DATASET_UNMOUNT,
    COMMAND_EXEC,
    GPU_HEALTH;

    /** The name used in configuration, metrics and logs, e.g. {@code machine-cleanup}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
