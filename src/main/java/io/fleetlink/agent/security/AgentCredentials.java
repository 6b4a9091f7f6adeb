package io.fleetlink.agent.security;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.security.ExpectedToken;
import io.fleetlink.security.LocalAgentToken;

/**
 * The token callers of the agent API must present. An agent without a token refuses to start (an
 * anonymous root agent is how exposed kubelets ended up mining coins); {@link LocalAgentToken} says
 * how it is set. A token file is followed: after a rotation the new token is accepted and the old one
 * refused, without a restart.
 */
@ApplicationScoped
public class AgentCredentials {

    private final ExpectedToken expected;

    public AgentCredentials(LocalAgentToken token) {
        this.expected = ExpectedToken.following(token.source()
                .orElseThrow(() -> new IllegalStateException("the agent's credentials are read in a process without an agent")));
    }

    /** True when {@code authorization} carries the agent's token. */
    public boolean accepts(String authorization) {
        return expected.matchesHeader(authorization);
    }
}
