package io.fleetlink.controller.host;

import java.time.Instant;

import io.fleetlink.protocol.CleanupMachineResponse;

/**
 * How one cleanup call ended: clean only when the agent answered and every step succeeded; otherwise
 * {@code error} always says why (never null), whether a step failed or no answer came.
 *
 * @param response the agent's answer, null when none came
 * @param failure the call's failure, null when the agent answered
 */
public record CleanupOutcome(boolean clean, String error, CleanupMachineResponse response, Throwable failure,
        Instant startedAt, Instant finishedAt) {

    static CleanupOutcome answered(CleanupMachineResponse response, Instant started) {
        boolean clean = response.success() && response.steps() != null
                && response.steps().stream().allMatch(CleanupMachineResponse.Step::success);
        String error = clean ? null : "cleanup steps failed: " + nonEmpty(response.failedSteps(), "(the agent reported failure without naming a step)");
        return new CleanupOutcome(clean, error, response, null, started, Instant.now());
    }

    static CleanupOutcome failed(Throwable failure, Instant started) {
        String why = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
        return new CleanupOutcome(false, "cleanup call failed: " + why, null, failure, started, Instant.now());
    }

    /**
     * What a cleanup that was not clean means for the host: its quarantine reason (a failed GPU check
     * names the GPU and the check) and the reason's class for metrics; clean when the cleanup was.
     */
    public CleanupVerdict verdict() {
        if (clean) {
            return CleanupVerdict.clean();
        }
        if (response == null) {
            return CleanupVerdict.agentFailed(error);
        }
        CleanupVerdict verdict = CleanupVerdict.of(response);
        // An answer that said success while a step failed (or the reverse) is still not clean.
        return verdict.isClean() ? new CleanupVerdict(error, error, "step") : verdict;
    }

    private static String nonEmpty(String text, String otherwise) {
        return text == null || text.isEmpty() ? otherwise : text;
    }
}
