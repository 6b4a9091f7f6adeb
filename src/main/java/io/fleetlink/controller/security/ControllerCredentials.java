package io.fleetlink.controller.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ApiRole;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Role;
import io.fleetlink.security.BearerToken;
import io.fleetlink.security.ExpectedToken;
import io.fleetlink.security.SecretSource;
import io.fleetlink.security.Secrets;

/**
 * Who may call the controller's REST API: the credentials in {@code fleetlink.controller.auth.clients.<name>}
 * (each a token, token file or token SHA-256, and a role) and the single
 * {@code fleetlink.controller.auth.token(-file)}, an {@code admin} credential with the id
 * {@value #DEFAULT_ID}. Role {@code controller} with no credential at all refuses to start; role
 * {@code all} then generates an admin token and logs it once, so a first run needs no setup. Token
 * files are followed: a rotated file takes effect without a restart.
 */
@ApplicationScoped
public class ControllerCredentials {

    /** The credential id of {@code fleetlink.controller.auth.token}. */
    public static final String DEFAULT_ID = "default";

    static final String TOKEN_KEY = "fleetlink.controller.auth.token";

    /** A caller the API recognised: its credential id (for the audit log) and role. */
    public record Caller(String id, ApiRole role) {
    }

    private record Credential(Caller caller, ExpectedToken token) {
    }

    private final List<Credential> credentials;

    public ControllerCredentials(FleetlinkConfig fleetlink, ControllerConfig config) {
        List<Credential> all = new ArrayList<>();
        Map<String, ControllerConfig.Client> clients = new TreeMap<>(config.auth().clients());
        if (clients.containsKey(DEFAULT_ID)) {
            throw new IllegalStateException("fleetlink.controller.auth.clients." + DEFAULT_ID
                    + ": the name '" + DEFAULT_ID + "' is the id of " + TOKEN_KEY + "; choose another name");
        }
        clients.forEach((name, client) -> all.add(new Credential(new Caller(name, client.role()), token(name, client))));
        SecretSource single = SecretSource.of(TOKEN_KEY, config.auth().token(), config.auth().tokenFile());
        if (single.isSet() || all.isEmpty()) {
            SecretSource admin = single.isSet() ? single : Secrets.requiredToken(fleetlink.role() == Role.AGENT
                    ? Role.CONTROLLER : fleetlink.role(), TOKEN_KEY, "controller API", "controller API",
                    Optional.empty(), Optional.empty());
            Secrets.warnIfShort(admin);
            all.add(new Credential(new Caller(DEFAULT_ID, ApiRole.ADMIN), ExpectedToken.following(admin)));
        }
        this.credentials = List.copyOf(all);
    }

    /** The caller whose token {@code authorization} carries; empty when none does. */
    public Optional<Caller> authenticate(String authorization) {
        Caller found = null;
        // Every credential is compared, so the time taken says nothing about which one matched.
        for (Credential credential : credentials) {
            if (credential.token().matchesHeader(authorization) && found == null) {
                found = credential.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    /** True when {@code authorization} carries any credential of the controller API. */
    public boolean accepts(String authorization) {
        return authenticate(authorization).isPresent();
    }

    private static ExpectedToken token(String name, ControllerConfig.Client client) {
        String key = "fleetlink.controller.auth.clients." + name + ".token";
        int ways = (client.token().filter(t -> !t.isBlank()).isPresent() ? 1 : 0) + (client.tokenFile().isPresent() ? 1 : 0)
                + (client.tokenSha256().isPresent() ? 1 : 0);
        if (ways != 1) {
            throw new IllegalStateException(key + ": set exactly one of " + key + ", " + key + "-file, " + key
                    + "-sha256 (found " + ways + ")");
        }
        if (client.tokenSha256().isPresent()) {
            try {
                return BearerToken.ofSha256Hex(client.tokenSha256().get());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(key + "-sha256: " + e.getMessage(), e);
            }
        }
        SecretSource source = SecretSource.of(key, client.token(), client.tokenFile());
        Secrets.warnIfShort(source);
        return ExpectedToken.following(source);
    }
}
