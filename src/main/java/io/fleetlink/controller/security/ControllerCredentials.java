package io.fleetlink.controller.security;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.security.BearerToken;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Role;
import io.fleetlink.config.Secrets;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;

/**
 * The token callers of the controller's REST API must present, settled once at start-up: role
 * {@code controller} without one refuses to start; role {@code all} generates one and logs it once,
 * so a first run needs no setup.
 */
@Startup
@ApplicationScoped
public class ControllerCredentials {

    private final Optional<BearerToken> expected;

    public ControllerCredentials(FleetlinkConfig fleetlink, ControllerConfig config) {
        Role role = fleetlink.role();
        if (!role.runsController()) {
            this.expected = Optional.empty();
            return;
        }
        Optional<String> configured = Secrets.resolve("fleetlink.controller.auth.token",
                config.auth().token(), config.auth().tokenFile());
        String token;
        if (configured.isPresent()) {
            token = configured.get();
            if (token.length() < 16) {
                Log.warn("fleetlink.controller.auth.token is shorter than 16 characters; use a long random token outside a test");
            }
        } else if (role == Role.ALL) {
            token = Secrets.randomToken();
            // Printed once, on purpose: role "all" is for trying Fleetlink out and must need no setup.
            Log.warnf("No controller API token configured; role 'all' generated one for this run. "
                    + "Call the controller API with: Authorization: Bearer %s "
                    + "(set fleetlink.controller.auth.token or FLEETLINK_CONTROLLER_AUTH_TOKEN to choose your own)", token);
        } else {
            throw new IllegalStateException("The controller API needs a bearer token and none is configured. Set one of: "
                    + "fleetlink.controller.auth.token-file=/path/to/token (recommended), the environment variable "
                    + "FLEETLINK_CONTROLLER_AUTH_TOKEN, or -Dfleetlink.controller.auth.token=...; "
                    + "generate one with: head -c 32 /dev/urandom | base64");
        }
        this.expected = Optional.of(BearerToken.of(token));
    }

    /** True when {@code authorization} carries the controller API's token. */
    public boolean accepts(String authorization) {
        return expected.map(t -> t.matchesHeader(authorization)).orElse(false);
    }
}
