package io.fleetlink.config;

import java.nio.file.Path;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * Settings of the controller role.
 */
@ConfigMapping(prefix = "fleetlink.controller")
public interface ControllerConfig {

    /**
     * The bearer token the controller presents to agents. Prefer {@code agent-token-file} or the
     * {@code FLEETLINK_CONTROLLER_AGENT_TOKEN} environment variable. With role {@code all} it defaults
     * to the local agent's token.
     */
    Optional<String> agentToken();

    /** A file whose content (trimmed) is the token presented to agents. */
    Optional<Path> agentTokenFile();
}
