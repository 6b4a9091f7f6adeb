package io.fleetlink.controller.client;

import io.fleetlink.protocol.AgentRpc;

/**
 * Base of the small family of errors an agent call can end with, whatever the protocol. Every
 * message names the host, the operation and what happened.
 */
public abstract class AgentClientException extends RuntimeException {

    private final String hostId;
    private final AgentRpc operation;

    protected AgentClientException(String hostId, AgentRpc operation, String what, Throwable cause) {
        super("agent " + hostId + ", " + operation.configName() + ": " + what, cause);
        this.hostId = hostId;
        this.operation = operation;
    }

    public String hostId() {
        return hostId;
    }

    public AgentRpc operation() {
        return operation;
    }

    /** Whether repeating the call (with the same request id) may succeed. */
    public abstract boolean retryable();

    /** The metrics outcome tag for this error. */
    public abstract String outcome();
}
