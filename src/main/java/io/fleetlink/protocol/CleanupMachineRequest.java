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
     * The steps the controller asks for on every release and host cleanup. Not yet {@code gpu}: an agent
     * built before the GPU step would refuse a request naming it (400), and a controller upgraded before
     * its agents would then quarantine every host it releases. The controller starts asking for it with
     * the controller side of the GPU gate, which also reports its verdict; until then the agent runs the
     * gpu step when asked directly, or by default (no types) where the machine has GPUs.
     */
    public static final List<String> CONTROLLER_TYPES = List.of(CleanupStepType.PROCESS.wireName(),
            CleanupStepType.DATA.wireName(), CleanupStepType.SSH.wireName(), CleanupStepType.DOCKER.wireName(),
            CleanupStepType.DATASETS.wireName());
}
