package io.fleetlink.config;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.fleetlink.protocol.AgentRpc;

/**
 * What an agent credential may call, as named in {@code fleetlink.agent.auth.operations} and
 * {@code fleetlink.agent.auth.clients.<name>.operations}. Ping and system info need none: every valid
 * credential may call them. Everything else is denied unless the credential lists it.
 */
public enum AgentPermission {
    /** ExecuteCommand: a command as root or a tenant. Never in the shipped default. */
    EXEC,
    /** CleanupMachine. */
    CLEANUP,
    /** ResetSSH. */
    SSH_RESET,
    /** StopProcess. */
    STOP,
    /** MountDataset and UnmountDataset. */
    MOUNT,
    /**
     * CheckGpuHealth: it may run {@code nvidia-smi} and {@code dcgmi diag} (minutes of load on every
     * GPU) and waits behind the machine's other operations, so it is a permission of its own.
     */
    GPU_HEALTH,
    /** No operation beyond ping and system info; the way to say "nothing" where an empty list reads as unset. */
    NONE;

    /** The name in configuration, e.g. {@code ssh-reset}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The permission {@code operation} needs; empty for ping and system info, which every credential may call. */
    public static Optional<AgentPermission> requiredBy(AgentRpc operation) {
        return Optional.ofNullable(switch (operation) {
            case PING, SYSTEM_INFO -> null;
            case COMMAND_EXEC -> EXEC;
            case MACHINE_CLEANUP -> CLEANUP;
            case SSH_RESET -> SSH_RESET;
            case PROCESS_STOP -> STOP;
            case DATASET_MOUNT, DATASET_UNMOUNT -> MOUNT;
            case GPU_HEALTH -> GPU_HEALTH;
        });
    }

    /** True when a credential holding {@code granted} may call {@code operation}. */
    public static boolean permits(Set<AgentPermission> granted, AgentRpc operation) {
        return requiredBy(operation).map(granted::contains).orElse(true);
    }
}
