package io.fleetlink.controller.host;

import java.util.List;
import java.util.Optional;

import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.CleanupStepType;
import io.fleetlink.protocol.GpuChecks;

/**
 * What a release or host cleanup found: clean ({@code error} null), or why the host must be
 * QUARANTINED. {@code quarantineReason} is what the host, the API and the callback show (a failed GPU
 * check names the GPU and the check: "GPU 3 GPU-…: ecc: 2 uncorrectable ECC errors since the allocation
 * began"); {@code reasonClass} is its bounded-cardinality kind for metrics: {@code gpu-<check>},
 * {@code step-<type>} or {@code agent}.
 */
public record CleanupVerdict(String error, String quarantineReason, String reasonClass) {

    public static final String AGENT = "agent";

    public static CleanupVerdict clean() {
        return new CleanupVerdict(null, null, null);
    }

    public boolean isClean() {
        return error == null;
    }

    /** The verdict on an agent's answer. */
    public static CleanupVerdict of(CleanupMachineResponse result) {
        if (result.success()) {
            return clean();
        }
        List<CleanupMachineResponse.Step> failed = result.steps().stream().filter(step -> !step.success()).toList();
        String gpu = CleanupStepType.GPU.wireName();
        Optional<CleanupMachineResponse.Step> gpuStep = failed.stream().filter(step -> gpu.equals(step.type())).findFirst();
        List<String> reasons = new java.util.ArrayList<>();
        String reasonClass = null;
        if (gpuStep.isPresent()) {
            Optional<String> failures = GpuChecks.failures(gpuStep.get().message());
            reasons.add(failures.orElse("gpu: " + gpuStep.get().message()));
            List<String> checks = GpuChecks.failedChecks(gpuStep.get().message());
            reasonClass = checks.isEmpty() ? "gpu" : "gpu-" + checks.get(0);
        }
        for (CleanupMachineResponse.Step step : failed) {
            if (!gpu.equals(step.type())) {
                reasons.add(step.type() + ": " + step.message());
                if (reasonClass == null) {
                    reasonClass = "step-" + step.type();
                }
            }
        }
        return new CleanupVerdict("cleanup steps failed: " + result.failedSteps(), String.join("; ", reasons),
                reasonClass == null ? "step" : reasonClass);
    }

    /** The agent could not be asked or failed as a whole. */
    public static CleanupVerdict agentFailed(String message) {
        return new CleanupVerdict(message, "cleanup did not complete: " + message, AGENT);
    }
}
