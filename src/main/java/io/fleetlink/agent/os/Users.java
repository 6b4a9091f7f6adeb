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
 * fleet resolve like local ones, and enforces the agent's floor: no operation touches an account
 * below {@code fleetlink.agent.ssh.min-uid} (root, system daemons).
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
     * @throws AgentException 404 for an unknown user, 403 for one below the uid floor
     */
    public UserAccount requireTenant(String name) {
        UserAccount account = find(name).orElseThrow(() -> AgentException.notFound("user: no such user '" + name + "' on this machine"));
        int floor = config.ssh().minUid();
        if (account.uid() < floor) {
            throw AgentException.forbidden("user: '" + name + "' has uid " + account.uid()
                    + ", below fleetlink.agent.ssh.min-uid=" + floor + "; system accounts are never touched");
        }
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
