package io.fleetlink.agent.os;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.Names;

/**
 * Looks accounts up through the name service ({@code getent passwd}), so LDAP/SSSD users on a GPU
 * fleet resolve like local ones, and enforces the {@link TenantRange}: no operation touches an account
 * outside {@code fleetlink.agent.tenant-uid-min} .. {@code tenant-uid-max} (root, system daemons,
 * {@code nobody}).
 */
@ApplicationScoped
public class Users {

    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

    private final HostCommands commands;
    private final AgentConfig config;

    public Users(HostCommands commands, AgentConfig config) {
        this.commands = commands;
        this.config = config;
    }

    /**
     * Refuses an agent whose tenant range is wrong, or that still sets the removed {@code ssh.min-uid}:
     * ignoring it would silently widen or narrow who the agent may touch, and aliasing it would keep
     * two names for one rule, so the operator is told which keys to set instead. Called when the
     * agent role starts.
     */
    public static void checkTenantSettings(AgentConfig config) {
        if (config.ssh().minUid().isPresent()) {
            throw new IllegalStateException("fleetlink.agent.ssh.min-uid was removed: set fleetlink.agent.tenant-uid-min "
                    + "(default 1000) and fleetlink.agent.tenant-uid-max (default 60000) instead, and remove ssh.min-uid");
        }
        if (config.tenantUidMin() > config.tenantUidMax()) {
            throw new IllegalStateException("fleetlink.agent.tenant-uid-min=" + config.tenantUidMin()
                    + " is above fleetlink.agent.tenant-uid-max=" + config.tenantUidMax() + ": no account could be a tenant");
        }
    }

    /** The uid range of tenant accounts. */
    public TenantRange tenants() {
        return TenantRange.of(config);
    }

    /** The account, or empty when the name service does not know it. Blocking. */
    public Optional<UserAccount> find(String name) {
        if (name == null || !name.matches(Names.USER)) {
            return Optional.empty();
        }
        HostCommands.Result result;
        try {
            result = commands.run(List.of("getent", "passwd", name), LOOKUP_TIMEOUT);
        } catch (HostCommands.CommandException e) {
            throw AgentException.internal("cannot look up user " + name + ": " + e.getMessage(), e);
        }
        if (result.exitCode() == 2) {
            return Optional.empty(); // getent: key not found
        }
        if (!result.ok()) {
            throw AgentException.internal("getent passwd " + name + " failed: " + result.diagnostic(), null);
        }
        return parse(result.stdout().lines().findFirst().orElse(""));
    }

    /**
     * The account of a user an operation may touch.
     *
     * @throws AgentException 404 for an unknown user, 403 for one outside the tenant uid range
     */
    public UserAccount requireTenant(String name) {
        UserAccount account = find(name).orElseThrow(() -> AgentException.notFound("user: no such user '" + name + "' on this machine"));
        tenants().require(account);
        return account;
    }

    static Optional<UserAccount> parse(String passwdLine) {
        String[] fields = passwdLine.split(":", -1);
        if (fields.length < 7) {
            return Optional.empty();
        }
        try {
            return Optional.of(new UserAccount(fields[0], Integer.parseInt(fields[2]), Integer.parseInt(fields[3]),
                    java.nio.file.Path.of(fields[5]), fields[6]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
