package io.fleetlink.agent.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.os.AuthorizedKeys;
import io.fleetlink.agent.os.AuthorizedKeysFile;
import io.fleetlink.agent.os.SshSessions;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.agent.os.Users;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.CleanupStepType;
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.ResetSshResponse;

/**
 * ResetSSH and the cleanup's {@code ssh} step: validates every key before anything is touched, then
 * replaces the user's authorized_keys atomically and, if asked, ends their sshd sessions. Blocking.
 */
@ApplicationScoped
public class SshKeyInstaller {

    private final AgentConfig config;
    private final Users users;
    private final SshSessions sessions;

    public SshKeyInstaller(AgentConfig config, Users users, SshSessions sessions) {
        this.config = config;
        this.users = users;
        this.sessions = sessions;
    }

    public ResetSshResponse reset(ResetSshRequest request) {
        List<AuthorizedKeys.Key> keys = validate(request.authorizedKeys());
        UserAccount user = users.requireTenant(request.user());
        AuthorizedKeysFile.replace(user, render(keys));
        // Sessions are ended after the keys are replaced, so a reconnect cannot use an old key.
        int ended = Boolean.FALSE.equals(request.terminateSessions()) ? 0 : sessions.terminate(user);
        return new ResetSshResponse(user.name(), keys.stream().map(AuthorizedKeys.Key::fingerprint).toList(), ended);
    }

    /**
     * The cleanup's {@code ssh} step: revoke every key (authorized_keys emptied, authorized_keys2
     * removed, whatever non-file was planted at either name or at ~/.ssh replaced) and end every
     * session; a dry run only lists. The fingerprints listed are those of the keys files that were
     * regular files; anything else is replaced, not read.
     */
    public CleanupMachineResponse.Step revokeAll(UserAccount user, boolean dryRun) {
        AuthorizedKeysFile.Current current = AuthorizedKeysFile.read(user);
        List<String> fingerprints = AuthorizedKeys.fingerprintsIn(current.content());
        String notRead = current.notRead().isEmpty() ? "" : "; " + String.join("; ", current.notRead());
        if (dryRun) {
            // Only a dry run counts the sessions beforehand; a real one reports those it ended (one /proc scan fewer).
            int sessionCount = SshSessions.countSessions(sessions.find(user));
            return new CleanupMachineResponse.Step(CleanupStepType.SSH.wireName(), true, "would empty ~/.ssh/authorized_keys (" + fingerprints.size()
                    + " keys), remove ~/.ssh/authorized_keys2 and end " + sessionCount + " sessions" + notRead, fingerprints,
                    fingerprints.size(), 0, sessionCount, 0);
        }
        String keys;
        if (current.sshDirExists()) {
            List<String> replaced = AuthorizedKeysFile.replace(user, "");
            keys = "emptied ~/.ssh/authorized_keys (" + fingerprints.size() + " keys)"
                    + (replaced.isEmpty() ? "" : "; " + String.join("; ", replaced));
        } else {
            keys = "no ~/.ssh to empty";
        }
        int ended = sessions.terminate(user);
        return new CleanupMachineResponse.Step(CleanupStepType.SSH.wireName(), true, keys + notRead + "; ended " + ended + " sessions",
                fingerprints, fingerprints.size(), 0, ended, 0);
    }

    private List<AuthorizedKeys.Key> validate(List<String> entries) {
        if (entries == null) {
            return List.of();
        }
        int max = config.ssh().maxKeys();
        if (entries.size() > max) {
            throw AgentException.badRequest("authorized_keys", "at most " + max + " keys per reset "
                    + "(fleetlink.agent.ssh.max-keys); got " + entries.size());
        }
        Set<String> allowed = config.ssh().allowedKeyTypes();
        List<AuthorizedKeys.Key> keys = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            keys.add(AuthorizedKeys.parse(entries.get(i), i, allowed));
        }
        return keys;
    }

    private static String render(List<AuthorizedKeys.Key> keys) {
        StringBuilder out = new StringBuilder();
        keys.forEach(key -> out.append(key.line()).append('\n'));
        return out.toString();
    }
}
