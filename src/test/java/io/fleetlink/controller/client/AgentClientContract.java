package io.fleetlink.controller.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.AgentIdentity;
import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.protocol.PingInfo;
import io.fleetlink.support.TestPorts;

/**
 * The same assertions against the real agent (this process, role all) over whichever protocol the
 * subclass's profile selects: callers must not be able to tell which protocol ran.
 */
abstract class AgentClientContract {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Inject
    AgentClients clients;

    @Inject
    AgentIdentity identity;

    @Inject
    ObjectMapper json;

    abstract AgentLinkConfig.Protocol expectedProtocol();

    HostAddress localAgent() {
        return new HostAddress("local", "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
    }

    AgentClient client() {
        return clients.forHost(localAgent());
    }

    /** A client of the configured protocol that presents {@code token} instead of the right one. */
    AgentClient clientWithToken(HostAddress host, String token) {
        return switch (expectedProtocol()) {
            case HTTP -> new HttpAgentClient(host, token, json, Optional.empty(), TIMEOUT);
            case GRPC -> new GrpcAgentClient(host, token, Optional.empty());
        };
    }

    @Test
    void configuredProtocolIsUsed() {
        assertThat(clients.protocol()).isEqualTo(expectedProtocol());
    }

    @Test
    void pingReturnsTheAgentsIdentity() {
        PingInfo info = client().ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT);

        assertThat(info.hostId()).isEqualTo(identity.hostId());
        assertThat(info.agentVersion()).isEqualTo(identity.version());
        assertThat(info.uptimeSeconds()).isBetween(0L, 3600L);
    }

    @Test
    void clientIsCachedPerHostAndReplacedWhenTheAddressChanges() {
        AgentClient first = clients.forHost(localAgent());
        assertThat(clients.forHost(localAgent())).isSameAs(first);

        HostAddress moved = new HostAddress("local", "localhost", TestPorts.httpPort(), TestPorts.grpcPort());
        AgentClient second = clients.forHost(moved);
        assertThat(second).isNotSameAs(first);
        assertThat(second.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isEqualTo(identity.hostId());
        clients.forHost(localAgent());
    }

    @Test
    void wrongTokenIsUnauthorizedAndNotRetryable() {
        try (AgentClient client = clientWithToken(localAgent(), "not-the-token")) {
            assertThatThrownBy(() -> client.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnauthorizedException.class, e -> {
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.getMessage()).contains("local", "ping", "fleetlink.controller.agent-token");
                    });
        }
    }

    @Test
    void closedPortIsUnreachableAndRetryable() {
        int closed = TestPorts.freePort();
        HostAddress nowhere = new HostAddress("ghost", "127.0.0.1", closed, closed);
        try (AgentClient client = clientWithToken(nowhere, "any")) {
            assertThatThrownBy(() -> client.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnreachableException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains("ghost", "ping");
                    });
        }
    }
}
