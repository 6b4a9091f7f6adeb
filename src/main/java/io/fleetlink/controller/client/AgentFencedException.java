package io.fleetlink.controller.client;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fleetlink.protocol.AgentRpc;

/**
 * The agent refused the call because its epoch is lower than one the agent has already accepted
 * (HTTP 409 / gRPC FAILED_PRECONDITION, "stale epoch N, this host is at M"): the ownership the call
 * acted for is over, or the store is behind the agent. Never retried as it is; the caller raises the
 * host's epoch above {@link #hostEpoch()} before the next ownership change.
 */
public class AgentFencedException extends AgentClientException {

    private static final Pattern STALE = Pattern.compile("stale epoch (-?\\d+), this host is at (-?\\d+)");

    private final long staleEpoch;
    private final long hostEpoch;

    public AgentFencedException(String hostId, AgentRpc operation, long staleEpoch, long hostEpoch, String agentMessage) {
        super(hostId, operation, "refused as fenced: " + agentMessage, null);
        this.staleEpoch = staleEpoch;
        this.hostEpoch = hostEpoch;
    }

    /**
     * The typed refusal when {@code code} and {@code message} are the agent's stale-epoch answer (409 over
     * HTTP, FAILED_PRECONDITION, mapped to 412, over gRPC), else null.
     */
    static AgentFencedException parse(String hostId, AgentRpc operation, int code, String message) {
        if ((code != 409 && code != 412) || message == null) {
            return null;
        }
        Matcher m = STALE.matcher(message);
        if (!m.find()) {
            return null;
        }
        return new AgentFencedException(hostId, operation, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), message);
    }

    /** The epoch the call carried. */
    public long staleEpoch() {
        return staleEpoch;
    }

    /** The epoch the agent is at. */
    public long hostEpoch() {
        return hostEpoch;
    }

    @Override
    public boolean retryable() {
        return false;
    }

    @Override
    public String outcome() {
        return "fenced";
    }
}
