package io.fleetlink.controller.client;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.security.AgentCredentials;
import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Secrets;
import io.quarkus.runtime.Startup;

/**
 * The token the controller presents to agents, settled at start-up so a controller without one
 * fails at once instead of on its first call.
 */
@Startup
@ApplicationScoped
public class ControllerAgentToken {

    private final Optional<String> token;

    public ControllerAgentToken(FleetlinkConfig fleetlink, ControllerConfig config, AgentLinkConfig link,
            AgentCredentials localAgent) {
        Optional<String> configured = fleetlink.role().runsController()
                ? Secrets.resolve("fleetlink.controller.agent-token", config.agentToken(), config.agentTokenFile())
                : Optional.empty();
        this.token = configured.or(localAgent::localToken);
        if (fleetlink.role().runsController() && link.enabled() && token.isEmpty()) {
            throw new IllegalStateException("The controller needs the agents' bearer token and none is configured. "
                    + "Set fleetlink.controller.agent-token-file=/path/to/token (recommended), the environment variable "
                    + "FLEETLINK_CONTROLLER_AGENT_TOKEN, or -Dfleetlink.controller.agent-token=...; "
                    + "or set agent.enabled=false to run without agents");
        }
    }

    /** The token; only absent when this process runs no controller or agents are disabled. */
    public String value() {
        return token.orElseThrow(() -> new IllegalStateException("no agent token: this process runs no controller"));
    }
}
