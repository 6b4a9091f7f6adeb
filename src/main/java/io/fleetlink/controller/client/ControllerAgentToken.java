package io.fleetlink.controller.client;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.security.HostTokens;
import io.fleetlink.security.LocalAgentToken;
import io.fleetlink.security.SecretSource;
import io.fleetlink.security.Secrets;
import io.quarkus.logging.Log;

/**
 * The token the controller presents to each agent. With {@code fleetlink.controller.agent-token-secret}
 * (token mode, per host) it is derived for the host id called ({@link HostTokens}), so no machine holds
 * a token that works on another; with the shared {@code agent-token} (a start-up warning) it is the
 * same for all; in role {@code all} with neither, it is the local agent's. Secret and shared token are
 * followed when they come from files: a rotation takes effect on the next call. Settled when the
 * controller starts, so a controller without one fails at once instead of on its first call.
 */
@ApplicationScoped
public class ControllerAgentToken {

    static final String SHARED = "fleetlink.controller.agent-token";
    static final String SECRET = "fleetlink.controller.agent-token-secret";
    static final String EXEC_SHARED = "fleetlink.controller.agent-exec-token";
    static final String EXEC_SECRET = "fleetlink.controller.agent-exec-token-secret";

    private enum Mode { PER_HOST, SHARED, LOCAL, NONE }

    private final Mode mode;
    private final SecretSource source;
    private final Mode execMode;
    private final SecretSource execSource;

    public ControllerAgentToken(ControllerConfig config, AgentLinkConfig link, LocalAgentToken localAgent) {
        SecretSource shared = SecretSource.of(SHARED, config.agentToken(), config.agentTokenFile());
        SecretSource secret = SecretSource.of(SECRET, config.agentTokenSecret(), config.agentTokenSecretFile());
        if (shared.isSet() && secret.isSet()) {
            throw new IllegalStateException("Both " + shared.origin() + " and " + secret.origin()
                    + " are set; set only " + SECRET + "(-file) (a token per host) or only " + SHARED + " (one for all)");
        }
        if (secret.isSet()) {
            this.mode = Mode.PER_HOST;
            this.source = secret;
            secret.current().filter(value -> value.length() < 32).ifPresent(value -> Log.warnf(
                    "%s is shorter than 32 characters; generate one with: head -c 32 /dev/urandom | base64", SECRET));
        } else if (shared.isSet()) {
            this.mode = Mode.SHARED;
            this.source = shared;
            Secrets.warnIfShort(shared);
            if (link.enabled()) {
                Log.warnf("%s: every agent accepts the same token, so root on any one machine can call every other "
                        + "one; set %s-file instead (a token per host, see README 'Securing a fleet')", SHARED, SECRET);
            }
        } else if (localAgent.source().isPresent()) {
            this.mode = Mode.LOCAL;
            this.source = localAgent.source().get();
        } else {
            this.mode = Mode.NONE;
            this.source = null;
        }
        SecretSource execShared = SecretSource.of(EXEC_SHARED, config.agentExecToken(), config.agentExecTokenFile());
        SecretSource execSecret = SecretSource.of(EXEC_SECRET, config.agentExecTokenSecret(), config.agentExecTokenSecretFile());
        if (execShared.isSet() && execSecret.isSet()) {
            throw new IllegalStateException("Both " + execShared.origin() + " and " + execSecret.origin()
                    + " are set; set only " + EXEC_SECRET + "(-file) (an exec token per host) or only " + EXEC_SHARED);
        }
        if (execSecret.isSet()) {
            this.execMode = Mode.PER_HOST;
            this.execSource = execSecret;
        } else if (execShared.isSet()) {
            this.execMode = Mode.SHARED;
            this.execSource = execShared;
            Secrets.warnIfShort(execShared);
        } else {
            this.execMode = Mode.NONE;
            this.execSource = null;
        }
        if (link.enabled() && mode == Mode.NONE) {
            throw new IllegalStateException("The controller needs credentials for the agents and none are configured. "
                    + "Set " + SECRET + "-file=/path/to/secret (recommended: a token per host), the environment variable "
                    + SecretSource.environmentName(SECRET) + ", or the shared " + SHARED + "-file; "
                    + "or set agent.enabled=false to run without agents");
        }
    }

    /** Where the token comes from, for the start-up log; never the token itself. */
    public String source() {
        return switch (mode) {
            case PER_HOST -> "a token per host derived from " + source.origin();
            case SHARED -> "one shared token from " + source.origin();
            case LOCAL -> "the local agent's token";
            case NONE -> "no token (agents are disabled)";
        };
    }

    /** True when each host gets its own token ({@code agent-token-secret} is set). */
    public boolean perHost() {
        return mode == Mode.PER_HOST;
    }

    /** The token to present to {@code hostId} now. */
    public String forHost(String hostId) {
        String value = current();
        return mode == Mode.PER_HOST ? HostTokens.derive(value, hostId) : value;
    }

    /**
     * The token to present to {@code hostId} for ExecuteCommand now; empty when no exec credential is
     * configured (exec calls then present {@link #forHost}).
     */
    public Optional<String> forExec(String hostId) {
        if (execMode == Mode.NONE) {
            return Optional.empty();
        }
        String value = execSource.current().orElseThrow(() -> new IllegalStateException("no agent exec token: " + execSource.origin()));
        return Optional.of(execMode == Mode.PER_HOST ? HostTokens.derive(value, hostId) : value);
    }

    /**
     * The exec token an admin installs on {@code hostId} as its {@code clients.exec} credential; empty
     * unless exec tokens are per host ({@code agent-exec-token-secret}).
     */
    public Optional<String> execDerivedFor(String hostId) {
        return execMode == Mode.PER_HOST ? forExec(hostId) : Optional.empty();
    }

    /** The token an admin installs on {@code hostId}; empty unless tokens are per host. */
    public Optional<String> derivedFor(String hostId) {
        return perHost() ? Optional.of(HostTokens.derive(current(), hostId)) : Optional.empty();
    }

    /**
     * The one token presented to every agent (shared or local mode).
     *
     * @throws IllegalStateException with per-host tokens (use {@link #forHost}) or without agents
     */
    public String value() {
        if (mode == Mode.PER_HOST) {
            throw new IllegalStateException("tokens are per host (" + SECRET + "); ask forHost(hostId)");
        }
        return current();
    }

    private String current() {
        if (source == null) {
            throw new IllegalStateException("no agent token: agents are disabled (agent.enabled=false)");
        }
        return source.current().orElseThrow(() -> new IllegalStateException("no agent token: " + source.origin()));
    }
}
