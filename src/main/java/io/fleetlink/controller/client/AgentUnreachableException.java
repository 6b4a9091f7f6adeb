package io.fleetlink.controller.client;

import io.fleetlink.protocol.AgentRpc;

/** The agent could not be reached: connection refused or reset, unknown host, TLS mismatch, open breaker. */
public class AgentUnreachableException extends AgentClientException {

    /** Why the agent was not reached; set where the failure is recognised, read by the retry policy. */
    public enum Reason {
        /** Agent communication is switched off ({@code agent.enabled=false}); nothing was sent. */
        DISABLED,
        /** The host's circuit breaker is open; nothing was sent. */
        BREAKER_OPEN,
        /** The controller's own concurrency limits refused the call; nothing was sent. */
        SHED,
        /** The host name did not resolve; nothing was sent. */
        UNKNOWN_HOST,
        /** No connection could be opened (refused, no route); the request surely never reached the agent. */
        CONNECT_FAILED,
        /** The TLS handshake failed. */
        TLS_HANDSHAKE,
        /** The connection closed or reset, possibly after the request was sent. */
        CONNECTION_CLOSED,
        /** Any other transport failure, such as gRPC UNAVAILABLE without a cause. */
        OTHER
    }

    private final Reason reason;

    public AgentUnreachableException(String hostId, AgentRpc operation, Reason reason, String what, Throwable cause) {
        super(hostId, operation, what, cause);
        this.reason = reason;
    }

    /** The call was not attempted because the host's circuit breaker is open. */
    public static AgentUnreachableException breakerOpen(String hostId, AgentRpc operation, String what) {
        return new AgentUnreachableException(hostId, operation, Reason.BREAKER_OPEN, what, null);
    }

    public Reason reason() {
        return reason;
    }

    public boolean breakerOpen() {
        return reason == Reason.BREAKER_OPEN;
    }

    @Override
    public boolean retryable() {
        return !breakerOpen();
    }

    @Override
    public String outcome() {
        return breakerOpen() ? "breaker_open" : "unreachable";
    }
}
