package io.fleetlink.controller.fanout;

import java.util.List;
import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import io.fleetlink.controller.api.ControllerIds;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.Names;

/**
 * {@code POST /api/v1/exec}: one command on many hosts, named by {@code host_ids} or chosen by a label
 * {@code selector} (exactly one of the two). The command fields are those of a single host's exec;
 * {@code concurrency} bounds the hosts called at once and {@code deadline_seconds} the whole call.
 */
public record FleetExecRequest(
        @Size(max = 10_000) List<@Pattern(regexp = ControllerIds.HOST_ID, message = ControllerIds.HOST_ID_RULE) String> hostIds,
        @Size(max = 1024) String selector,
        @NotEmpty @Size(max = 256) List<String> command,
        @Size(max = 128) Map<String, String> env,
        @Size(max = 4096) String workingDir,
        @Positive Integer timeoutSeconds,
        @Pattern(regexp = Names.USER, message = Names.USER_RULE) String user,
        @Positive @Max(1024) Integer concurrency,
        @Positive Integer deadlineSeconds) {

    /** What each host is asked to run. */
    public ExecuteCommandRequest toCommand() {
        return new ExecuteCommandRequest(command, env, workingDir, timeoutSeconds, user);
    }

    /** The command's own timeout, as the agent will apply it. */
    public int effectiveTimeoutSeconds() {
        return timeoutSeconds != null ? timeoutSeconds : ExecuteCommandRequest.DEFAULT_TIMEOUT_SECONDS;
    }
}
