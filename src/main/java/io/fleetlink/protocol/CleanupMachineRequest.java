package io.fleetlink.protocol;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/** CleanupMachine: clean up after a tenant. {@code types} null or empty means every type. */
public record CleanupMachineRequest(
        @NotBlank @Pattern(regexp = Names.USER, message = Names.USER_RULE) String user,
        List<String> types,
        Boolean dryRun) {

    /** The wire names of the cleanup steps, in the order they run (see {@link CleanupStepType}). */
    public static final List<String> ALL_TYPES = CleanupStepType.wireNames();
}
