package io.fleetlink.security;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Role;

/**
 * The bearer token of the agent that runs in this process, settled once: the configured
 * {@code fleetlink.agent.auth.token(-file)}, or in role {@code all} one generated and printed once.
 * The agent checks callers against it; in role {@code all} the local controller presents it, so the
 * controller never reaches into the agent's package for it.
 */
@ApplicationScoped
public class LocalAgentToken {

    private final Optional<String> token;

    public LocalAgentToken(FleetlinkConfig fleetlink, AgentConfig config) {
        Role role = fleetlink.role();
        this.token = role.runsAgent()
                ? Optional.of(Secrets.requiredToken(role, "fleetlink.agent.auth.token", "agent", "agent API",
                        "FLEETLINK_AGENT_AUTH_TOKEN", config.auth().token(), config.auth().tokenFile()))
                : Optional.empty();
    }

    /** The token; empty when this process runs no agent. */
    public Optional<String> value() {
        return token;
    }
}
