package io.fleetlink.controller.client;

import io.fleetlink.protocol.AgentRpc;

/** The agent refused the controller's token; fix fleetlink.controller.agent-token, retrying will not help. */
public class AgentUnauthorizedException extends AgentClientException {

    public AgentUnauthorizedException(String hostId, AgentRpc operation, String agentMessage) {
        super(hostId, operation, "the agent refused our token (" + agentMessage
                + "); check that the agent's fleetlink.agent.auth.token is the token for host '" + hostId
                + "' (with fleetlink.controller.agent-token-secret: GET /api/v1/agent-tokens/" + hostId
                + ") or equals the shared fleetlink.controller.agent-token", null);
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
