package io.fleetlink.protocol;

import java.util.List;
import java.util.Map;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/** ExecuteCommand: run an allowed program as an argv list, without a shell. */
public record ExecuteCommandRequest(
        @NotEmpty @Size(max = 256) List<String> command,
        @Size(max = 128) Map<String, String> env,
        @Size(max = 4096) String workingDir,
        @Positive Integer timeoutSeconds,
        @Pattern(regexp = Names.USER, message = Names.USER_RULE) String user) {

    /**
     * The command's timeout when {@code timeout_seconds} is absent (agent.proto documents it); a
     * caller that waits for the reply must wait at least this long.
     */
    public static final int DEFAULT_TIMEOUT_SECONDS = 30;
}
