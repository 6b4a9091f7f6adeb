package io.fleetlink.controller.client;

import io.fleetlink.protocol.AgentRpc;

/** The agent could not be reached: connection refused or reset, unknown host, TLS mismatch, open breaker. */
public class AgentUnreachableException extends AgentClientException {

    private final boolean breakerOpen;

    public AgentUnreachableException(String hostId, AgentRpc operation, String what, Throwable cause) {
        this(hostId, operation, what, cause, false);
    }

    private AgentUnreachableException(String hostId, AgentRpc operation, String what, Throwable cause, boolean breakerOpen) {
        super(hostId, operation, what, cause);
        this.breakerOpen = breakerOpen;
    }

    /** The call was not attempted because the host's circuit breaker is open. */
    public static AgentUnreachableException breakerOpen(String hostId, AgentRpc operation, String what) {
        return new AgentUnreachableException(hostId, operation, what, null, true);
    }

    public boolean breakerOpen() {
        return breakerOpen;
    }

    @Override
    public boolean retryable() {
        return !breakerOpen;
    }

    @Override
    public String outcome() {
        return breakerOpen ? "breaker_open" : "unreachable";
    }
}
