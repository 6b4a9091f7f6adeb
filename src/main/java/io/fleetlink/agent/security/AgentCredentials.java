package io.fleetlink.agent.security;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Role;
import io.fleetlink.config.Secrets;
import io.quarkus.runtime.Startup;

/**
 * The token the agent role expects, settled once at start-up: an agent without a token refuses to
 * start (an anonymous root agent is how exposed kubelets ended up mining coins), except in role
 * {@code all}, where one is generated and printed once so a first run needs no setup.
 */
@Startup
@ApplicationScoped
public class AgentCredentials {

    private final Optional<BearerToken> expected;
    private final Optional<String> localToken;

    public AgentCredentials(FleetlinkConfig fleetlink, AgentConfig config) {
        Role role = fleetlink.role();
        if (!role.runsAgent()) {
            this.expected = Optional.empty();
            this.localToken = Optional.empty();
            return;
        }
        String token = Secrets.requiredToken(role, "fleetlink.agent.auth.token", "agent", "agent API", "FLEETLINK_AGENT_AUTH_TOKEN",
                config.auth().token(), config.auth().tokenFile());
        this.expected = Optional.of(BearerToken.of(token));
        this.localToken = role == Role.ALL ? Optional.of(token) : Optional.empty();
    }

    /** True when {@code authorization} carries the agent's token. */
    public boolean accepts(String authorization) {
        return expected.map(t -> t.matchesHeader(authorization)).orElse(false);
    }

    /** In role {@code all}: the local agent's token, for the local controller to present. */
    public Optional<String> localToken() {
        return localToken;
    }
}
