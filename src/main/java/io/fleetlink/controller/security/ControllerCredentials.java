package io.fleetlink.controller.security;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.security.BearerToken;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Role;
import io.fleetlink.config.Secrets;
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
        String token = Secrets.requiredToken(role, "fleetlink.controller.auth.token", "controller API", "controller API",
                "FLEETLINK_CONTROLLER_AUTH_TOKEN", config.auth().token(), config.auth().tokenFile());
        this.expected = Optional.of(BearerToken.of(token));
    }

    /** True when {@code authorization} carries the controller API's token. */
    public boolean accepts(String authorization) {
        return expected.map(t -> t.matchesHeader(authorization)).orElse(false);
    }
}
