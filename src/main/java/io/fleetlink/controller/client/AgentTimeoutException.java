package io.fleetlink.controller.client;

import io.fleetlink.protocol.AgentRpc;

/** The agent did not answer within the call's deadline. */
public class AgentTimeoutException extends AgentClientException {

    public AgentTimeoutException(String hostId, AgentRpc operation, String what, Throwable cause) {
        super(hostId, operation, what, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }

    @Override
    public String outcome() {
        return "timeout";
    }
}
