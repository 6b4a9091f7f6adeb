package io.fleetlink.protocol;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/** CleanupMachine: clean up after a tenant. {@code types} null or empty means every type. */
public record CleanupMachineRequest(
        @NotBlank @Pattern(regexp = Names.USER, message = Names.USER_RULE) String user,
        List<String> types,
        Boolean dryRun) {

    /**
     * The steps the controller asks for on every release and host cleanup: all six, {@code gpu} included
     * (an agent on a machine without GPUs reports the step skipped). An agent built before the GPU step
     * refuses {@code gpu} with a 400 naming that entry of {@code types}; the controller then asks again
     * without it (controller {@code MachineCleanup}), so upgrading the controller first never quarantines
     * a host over an unknown step.
     */
    public static final List<String> CONTROLLER_TYPES = List.of(CleanupStepType.PROCESS.wireName(),
            CleanupStepType.DOCKER.wireName(), CleanupStepType.GPU.wireName(), CleanupStepType.DATA.wireName(), CleanupStepType.SSH.wireName(),
            CleanupStepType.DATASETS.wireName());
}
