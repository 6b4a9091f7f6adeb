package io.fleetlink.controller.client;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.security.LocalAgentToken;
import io.fleetlink.security.Secrets;

/**
 * The token the controller presents to agents: the configured one, or in role {@code all} the local
 * agent's. Settled when the controller starts, so a controller without one fails at once instead of
 * on its first call.
 */
@ApplicationScoped
public class ControllerAgentToken {

    private final Optional<String> token;
    private final String source;

    public ControllerAgentToken(ControllerConfig config, AgentLinkConfig link, LocalAgentToken localAgent) {
        Optional<String> configured = Secrets.resolve("fleetlink.controller.agent-token", config.agentToken(),
                config.agentTokenFile());
        this.token = configured.or(localAgent::value);
        this.source = configured.isPresent() ? "the configured agent token"
                : token.isPresent() ? "the local agent's token" : "no token (agents are disabled)";
        if (link.enabled() && token.isEmpty()) {
            throw new IllegalStateException("The controller needs the agents' bearer token and none is configured. "
                    + "Set fleetlink.controller.agent-token-file=/path/to/token (recommended), the environment variable "
                    + "FLEETLINK_CONTROLLER_AGENT_TOKEN, or -Dfleetlink.controller.agent-token=...; "
                    + "or set agent.enabled=false to run without agents");
        }
    }

    /** Where the token comes from, for the start-up log; never the token itself. */
    public String source() {
        return source;
    }

    /** The token; only absent when agents are disabled ({@code agent.enabled=false}). */
    public String value() {
        return token.orElseThrow(() -> new IllegalStateException("no agent token: agents are disabled (agent.enabled=false)"));
    }
}
