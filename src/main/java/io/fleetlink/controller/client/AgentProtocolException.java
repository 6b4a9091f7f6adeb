package io.fleetlink.controller.client;

import io.fleetlink.protocol.AgentRpc;

/** The peer answered with something that is not a Fleetlink agent reply (not the envelope, wrong fields). */
public class AgentProtocolException extends AgentClientException {

    public AgentProtocolException(String hostId, AgentRpc operation, String what, Throwable cause) {
        super(hostId, operation, what, cause);
    }

    @Override
    public boolean retryable() {
        return false;
    }

    @Override
    public String outcome() {
        return "rejected";
    }
}
