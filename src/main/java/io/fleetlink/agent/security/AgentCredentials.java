package io.fleetlink.agent.security;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.handler.RequestMeta;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.config.AgentPermission;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.security.ExpectedToken;
import io.fleetlink.security.LocalAgentToken;
import io.fleetlink.security.SecretSource;
import io.fleetlink.security.Secrets;
import io.quarkus.logging.Log;

/**
 * The credentials callers of the agent API may present, each with the operations it may call. The main
 * one ({@value #MAIN_ID}) is the agent's token, see {@link LocalAgentToken}; an agent without one
 * refuses to start (an anonymous root agent is how exposed kubelets ended up mining coins). Its
 * operations are {@code fleetlink.agent.auth.operations}. Further ones are
 * {@code fleetlink.agent.auth.clients.<name>}, each with its own token and operations (none listed:
 * ping and system info only). Token files are followed: after a rotation the new token is accepted and
 * the old one refused, without a restart.
 */
@ApplicationScoped
public class AgentCredentials {

    /** The credential id of {@code fleetlink.agent.auth.token(-file)}, in refusals and the audit log. */
    public static final String MAIN_ID = RequestMeta.MAIN_CREDENTIAL;

    static final String CLIENTS = "fleetlink.agent.auth.clients.";

    /** A credential the agent recognised: its id and what it may call. */
    public record Credential(String id, Set<AgentPermission> operations) {

        /** True when this credential may call {@code operation}. */
        public boolean permits(AgentRpc operation) {
            return AgentPermission.permits(operations, operation);
        }

        /**
         * The refusal of {@code operation}: names the operation, the credential and the setting that
         * would allow it.
         */
        public String refusal(AgentRpc operation) {
            String needed = AgentPermission.requiredBy(operation).map(AgentPermission::configName).orElse("?");
            String setting = MAIN_ID.equals(id) ? "fleetlink.agent.auth.operations" : CLIENTS + id + ".operations";
            return "credential '" + id + "' may not call " + operation.configName() + " (it needs '" + needed
                    + "' in " + setting + "; this credential has " + names(operations) + ")";
        }
    }

    private record Entry(Credential credential, ExpectedToken token) {
    }

    private final List<Entry> entries;

    public AgentCredentials(LocalAgentToken token, AgentConfig config) {
        List<Entry> all = new ArrayList<>();
        all.add(new Entry(new Credential(MAIN_ID, granted(config.auth().operations())), ExpectedToken.following(token.source()
                .orElseThrow(() -> new IllegalStateException("the agent's credentials are read in a process without an agent")))));
        Map<String, AgentConfig.Client> clients = new TreeMap<>(config.auth().clients());
        if (clients.containsKey(MAIN_ID)) {
            throw new IllegalStateException(CLIENTS + MAIN_ID + ": the name '" + MAIN_ID
                    + "' is the id of fleetlink.agent.auth.token; choose another name");
        }
        clients.forEach((name, client) -> {
            SecretSource source = SecretSource.of(CLIENTS + name + ".token", client.token(), client.tokenFile());
            if (!source.isSet()) {
                throw new IllegalStateException(CLIENTS + name + ": set " + CLIENTS + name + ".token-file (or the environment variable "
                        + SecretSource.environmentName(CLIENTS + name + ".token") + ")");
            }
            Secrets.warnIfShort(source);
            all.add(new Entry(new Credential(name, granted(client.operations().orElse(Set.of()))), ExpectedToken.following(source)));
        });
        this.entries = List.copyOf(all);
        for (Entry entry : entries) {
            Log.infof("Agent credential '%s' may call ping, system-info%s", entry.credential().id(),
                    entry.credential().operations().isEmpty() ? " only" : " and " + names(entry.credential().operations()));
        }
    }

    /** The credential {@code authorization} carries; empty when it carries none of them. */
    public Optional<Credential> authenticate(String authorization) {
        Credential found = null;
        // Every credential is compared, so the time taken says nothing about which one matched.
        for (Entry entry : entries) {
            if (entry.token().matchesHeader(authorization) && found == null) {
                found = entry.credential();
            }
        }
        return Optional.ofNullable(found);
    }

    /** True when {@code authorization} carries any of the agent's credentials. */
    public boolean accepts(String authorization) {
        return authenticate(authorization).isPresent();
    }

    private static Set<AgentPermission> granted(Set<AgentPermission> configured) {
        EnumSet<AgentPermission> granted = EnumSet.noneOf(AgentPermission.class);
        granted.addAll(configured);
        granted.remove(AgentPermission.NONE);
        return Set.copyOf(granted);
    }

    static String names(Set<AgentPermission> operations) {
        return operations.isEmpty() ? "none" : operations.stream().sorted().map(AgentPermission::configName)
                .collect(Collectors.joining(",", "[", "]"));
    }
}
