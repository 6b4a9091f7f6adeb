package io.fleetlink.protocol;

import java.util.Locale;

/**
 * The explicit table of agent operations; nothing is dispatched by a name the caller chose.
 */
public enum AgentRpc {
    PING(false),
    SYSTEM_INFO(false),
    PROCESS_STOP(true),
    SSH_RESET(true),
    MACHINE_CLEANUP(true),
    DATASET_MOUNT(true),
    DATASET_UNMOUNT(true),
    COMMAND_EXEC(true);

    private final boolean mutating;

    AgentRpc(boolean mutating) {
        this.mutating = mutating;
    }

    /** Whether the operation changes the machine (and is therefore audited and deduplicated). */
    public boolean mutating() {
        return mutating;
    }

    /** The name used in configuration, metrics and logs, e.g. {@code machine-cleanup}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
