package io.fleetlink.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Role;

/**
 * The bearer token of the agent that runs in this process: the configured
 * {@code fleetlink.agent.auth.token(-file)} (a file is followed, so rotating it needs no restart); in
 * role {@code all} without one, the token derived from the controller's
 * {@code fleetlink.controller.agent-token-secret} for this agent's host id when that is set, else one
 * generated and printed once; with {@code fleetlink.agent.join.url}, the credential the controller gave
 * it when it joined ({@code <state-dir>/agent.credential}, none until then). The agent checks callers against it; in role {@code all} the local
 * controller presents it, so the controller never reaches into the agent's package for it.
 */
@ApplicationScoped
public class LocalAgentToken {

    static final String KEY = "fleetlink.agent.auth.token";

    /** The file in the agent's state directory that holds the credential a join gave it (0600). */
    public static final String JOINED_CREDENTIAL = "agent.credential";

    private final Optional<SecretSource> token;

    public LocalAgentToken(FleetlinkConfig fleetlink, AgentConfig config, ControllerConfig controller) {
        Role role = fleetlink.role();
        if (!role.runsAgent()) {
            this.token = Optional.empty();
            return;
        }
        SecretSource configured = SecretSource.of(KEY, config.auth().token(), config.auth().tokenFile());
        if (config.join().url().isPresent()) {
            // A joining agent's token is the credential the controller gave it, stored in its state directory.
            if (configured.isSet()) {
                throw new IllegalStateException("Both " + configured.origin() + " and fleetlink.agent.join.url are set; "
                        + "an agent either has its token installed or joins the fleet for one: set only one of them");
            }
            this.token = Optional.of(SecretSource.awaitedFile("fleetlink.agent.join.credential",
                    config.stateDir().resolve(JOINED_CREDENTIAL)));
            return;
        }
        if (!configured.isSet() && role == Role.ALL) {
            SecretSource secret = SecretSource.of("fleetlink.controller.agent-token-secret",
                    controller.agentTokenSecret(), controller.agentTokenSecretFile());
            if (secret.isSet()) {
                String hostId = config.hostId().filter(id -> !id.isBlank()).orElseGet(LocalAgentToken::hostname);
                this.token = Optional.of(SecretSource.generated(KEY, HostTokens.derive(secret.current().orElseThrow(), hostId)));
                return;
            }
        }
        this.token = Optional.of(configured.isSet() ? warned(configured)
                : Secrets.requiredToken(role, KEY, "agent", "agent API", Optional.empty(), Optional.empty()));
    }

    /** The token now; empty when this process runs no agent. */
    public Optional<String> value() {
        return token.flatMap(SecretSource::current);
    }

    /** The token's source, followed on every use; empty when this process runs no agent. */
    public Optional<SecretSource> source() {
        return token;
    }

    private static SecretSource warned(SecretSource configured) {
        Secrets.warnIfShort(configured);
        return configured;
    }

    /** The kernel's node name, as the agent's identity reads it (the default host id). */
    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "localhost" : env;
        }
    }
}
