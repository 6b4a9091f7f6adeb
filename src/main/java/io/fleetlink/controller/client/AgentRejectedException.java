package io.fleetlink.controller.client;

import io.fleetlink.protocol.AgentRpc;

/**
 * The agent answered with an error envelope (or the matching gRPC status): a 4xx is final, a 5xx
 * means the agent failed and may succeed on a retry.
 */
public class AgentRejectedException extends AgentClientException {

    private final int code;
    private final String agentMessage;

    public AgentRejectedException(String hostId, AgentRpc operation, int code, String agentMessage) {
        super(hostId, operation, "agent answered " + code + ": " + agentMessage, null);
        this.code = code;
        this.agentMessage = agentMessage;
    }

    /** The envelope code (HTTP status) the agent answered with. */
    public int code() {
        return code;
    }

    /** The agent's own message. */
    public String agentMessage() {
        return agentMessage;
    }

    @Override
    public boolean retryable() {
        return code >= 500;
    }

    @Override
    public String outcome() {
        return "rejected";
    }
}
