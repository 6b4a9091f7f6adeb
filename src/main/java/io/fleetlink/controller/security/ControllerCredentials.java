package io.fleetlink.controller.security;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.security.BearerToken;
import io.fleetlink.security.Secrets;

/**
 * The token callers of the controller's REST API must present, settled once at start-up: role
 * {@code controller} without one refuses to start; role {@code all} generates one and logs it once,
 * so a first run needs no setup.
 */
@ApplicationScoped
public class ControllerCredentials {

    private final BearerToken expected;

    public ControllerCredentials(FleetlinkConfig fleetlink, ControllerConfig config) {
        this.expected = BearerToken.of(Secrets.requiredToken(fleetlink.role(), "fleetlink.controller.auth.token",
                "controller API", "controller API", "FLEETLINK_CONTROLLER_AUTH_TOKEN", config.auth().token(),
                config.auth().tokenFile()));
    }

    /** True when {@code authorization} carries the controller API's token. */
    public boolean accepts(String authorization) {
        return expected.matchesHeader(authorization);
    }
}
