package io.fleetlink.agent.security;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Role;
import io.fleetlink.config.Secrets;
import io.quarkus.logging.Log;
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
        Optional<String> configured = Secrets.resolve("fleetlink.agent.auth.token",
                config.auth().token(), config.auth().tokenFile());
        String token;
        if (configured.isPresent()) {
            token = configured.get();
            if (token.length() < 16) {
                Log.warn("fleetlink.agent.auth.token is shorter than 16 characters; use a long random token outside a test");
            }
        } else if (role == Role.ALL) {
            token = Secrets.randomToken();
            // Printed once, on purpose: role "all" is for trying Fleetlink out and must need no setup.
            Log.warnf("No agent token configured; role 'all' generated one for this run. "
                    + "Call the agent API with: Authorization: Bearer %s "
                    + "(set fleetlink.agent.auth.token or FLEETLINK_AGENT_AUTH_TOKEN to choose your own)", token);
        } else {
            throw new IllegalStateException("The agent needs a bearer token and none is configured. Set one of: "
                    + "fleetlink.agent.auth.token-file=/path/to/token (recommended), the environment variable "
                    + "FLEETLINK_AGENT_AUTH_TOKEN, or -Dfleetlink.agent.auth.token=...; "
                    + "generate one with: head -c 32 /dev/urandom | base64");
        }
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
