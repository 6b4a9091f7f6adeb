package io.fleetlink.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** CleanupMachine's reply: one step per requested type; {@code success} only if every step succeeded. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CleanupMachineResponse(boolean success, List<Step> steps) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Step(String type, boolean success, String message, List<String> removed) {
    }

    public static CleanupMachineResponse of(List<Step> steps) {
        return new CleanupMachineResponse(steps.stream().allMatch(Step::success), List.copyOf(steps));
    }

    /** The failed steps as {@code type (message), ...}; empty when every step succeeded. */
    public String failedSteps() {
        return String.join(", ", steps.stream()
                .filter(step -> !step.success())
                .map(step -> step.type() + " (" + step.message() + ")")
                .toList());
    }
}
