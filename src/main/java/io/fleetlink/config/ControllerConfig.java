package io.fleetlink.config;

import java.nio.file.Path;
import java.util.Map;
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

    /**
     * Hosts known from configuration, by host id; used only until hosts are registered in the store.
     */
    Map<String, StaticHost> hosts();

    /** An agent listed in configuration. */
    interface StaticHost {
        /** Host name or IP address of the agent. */
        String address();

        /** Its HTTP port; default {@code agent.http-port}. */
        java.util.OptionalInt httpPort();

        /** Its gRPC port; default {@code agent.grpc-port}. */
        java.util.OptionalInt grpcPort();
    }
}
