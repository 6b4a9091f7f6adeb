package io.fleetlink.protocol;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The steps of a machine cleanup, in the order they run. On the wire (JSON and proto) a step is
 * still its lower-case name, in {@code types} and in each reported step's {@code type}.
 */
public enum CleanupStepType {
    PROCESS("process"),
    /**
     * Right after process: a tenant's containers often run their CUDA work as root inside the
     * container, which the process step (the user's own processes) does not end; the gpu step would
     * then find them on the GPUs and quarantine a healthy host.
     */
    DOCKER("docker"),
    /** After process and docker, so everything the tenant ran is gone; then the GPU health gate. */
    GPU("gpu"),
    DATA("data"),
    SSH("ssh"),
    DATASETS("datasets");

    private final String wireName;

    CleanupStepType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The step a caller named, or empty when no step has that (exact) name. */
    public static Optional<CleanupStepType> fromWireName(String name) {
        return Arrays.stream(values())
                .filter(type -> type.wireName.equals(name))
                .findFirst();
    }

    /** Every step's wire name, in run order. */
    public static List<String> wireNames() {
        return Arrays.stream(values())
                .map(CleanupStepType::wireName)
                .toList();
    }
}
