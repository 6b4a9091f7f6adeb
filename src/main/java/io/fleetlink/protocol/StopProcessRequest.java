package io.fleetlink.protocol;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/** StopProcess: stop every process of a task. Null fields take the agent's defaults. */
public record StopProcessRequest(
        @NotBlank @Size(max = 256) @Pattern(regexp = "[A-Za-z0-9._:@-]+", message = "may contain only letters, digits and . _ : @ -") String taskId,
        @Pattern(regexp = "(SIG)?(TERM|INT|HUP|QUIT|KILL|USR1|USR2)", message = "must be one of TERM, INT, HUP, QUIT, KILL, USR1, USR2") String signal,
        @PositiveOrZero Integer gracePeriodSeconds) {
}
