package io.fleetlink.controller.fanout;

import io.fleetlink.protocol.ExecuteCommandResponse;

/**
 * One host's part of a fan-out: the command's result ({@code outcome} ok: exit 0; failed: another exit
 * code or the command's timeout), or why there is none ({@code outcome} error, {@code error} says why:
 * the agent refused, could not be reached, or the call's deadline came first).
 */
public record HostExecResult(
        String hostId,
        Outcome outcome,
        Integer exitCode,
        String stdout,
        String stderr,
        boolean stdoutTruncated,
        boolean stderrTruncated,
        boolean timedOut,
        long durationMs,
        String error) {

    public enum Outcome {
        OK, FAILED, ERROR
    }

    static HostExecResult of(String hostId, ExecuteCommandResponse response, long durationMs) {
        Outcome outcome = response.exitCode() == 0 && !response.timedOut() ? Outcome.OK : Outcome.FAILED;
        return new HostExecResult(hostId, outcome, response.exitCode(), response.stdout(), response.stderr(),
                response.stdoutTruncated(), response.stderrTruncated(), response.timedOut(), durationMs, null);
    }

    static HostExecResult error(String hostId, String error, long durationMs) {
        return new HostExecResult(hostId, Outcome.ERROR, null, null, null, false, false, false, durationMs, error);
    }
}
