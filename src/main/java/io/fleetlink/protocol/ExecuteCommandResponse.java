package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** ExecuteCommand's reply; a non-zero exit or a timeout is reported here, not as an error. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExecuteCommandResponse(
        int exitCode,
        String stdout,
        String stderr,
        boolean stdoutTruncated,
        boolean stderrTruncated,
        boolean timedOut,
        long durationMs) {
}
