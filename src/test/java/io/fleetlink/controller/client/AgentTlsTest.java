package io.fleetlink.controller.client;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.AgentIdentity;
import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.AgentTlsProfile;
import io.fleetlink.support.TestConfigs;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The agent serves TLS only when given a certificate; the controller connects with TLS and verifies
 * the agent against the configured CA; plain connections fail with a message that says why.
 */
@QuarkusTest
@TestProfile(AgentTlsProfile.class)
class AgentTlsTest {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Inject
    AgentClients clients;

    @Inject
    AgentIdentity identity;

    @Inject
    ObjectMapper json;

    @Inject
    ControllerAgentToken token;

    private static HostAddress local() {
        return new HostAddress("tls-agent", "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
    }

    @Test
    void agentServesHttpsOnItsHttpPort() {
        given().baseUri("https://localhost").port(TestPorts.httpPort()).relaxedHTTPSValidation()
                .header("Authorization", "Bearer " + AgentGrpc.TOKEN)
                .when().get("/api/v1/ping")
                .then().statusCode(200).body("success", equalTo(true));
    }

    @Test
    void controllerPingsOverTlsVerifyingTheAgentAgainstTheCa() {
        assertThat(clients.protocol()).isEqualTo(AgentLinkConfig.Protocol.HTTP);
        assertThat(clients.call(local(), io.fleetlink.protocol.AgentRpc.PING, null, null, (c, o) -> c.ping(o))
                .await().atMost(TIMEOUT).hostId()).isEqualTo(identity.hostId());
    }

    @Test
    void grpcAdapterConnectsOverTlsToo() {
        AgentTls tls = new AgentTls(TestConfigs.with("agent.tls-enabled", "true",
                "agent.tls-cert-file", AgentTlsProfile.CERTIFICATES.caCertificate().toString()).link());
        try (AgentClient grpc = new GrpcAgentClient(local(), token.value(), tls.grpcSslContext())) {
            assertThat(grpc.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isEqualTo(identity.hostId());
        }
    }

    @Test
    void anAgentCertificateFromAnotherCaIsRefused() {
        AgentTls wrongCa = new AgentTls(TestConfigs.with("agent.tls-enabled", "true",
                "agent.tls-cert-file", AgentTlsProfile.CERTIFICATES.otherCaCertificate().toString()).link());
        try (AgentClient http = new HttpAgentClient(local(), token.value(), json, wrongCa.trustStore(), TIMEOUT)) {
            assertThatThrownBy(() -> http.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnreachableException.class, e -> assertThat(e.getMessage()).contains("TLS"));
        }
    }

    @Test
    void plainConnectionsToATlsAgentFailAndSaySo() {
        try (AgentClient http = new HttpAgentClient(local(), token.value(), json, Optional.empty(), TIMEOUT);
                AgentClient grpc = new GrpcAgentClient(local(), token.value(), Optional.empty())) {
            assertThatThrownBy(() -> http.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnreachableException.class,
                            e -> assertThat(e.getMessage()).contains("agent.tls-enabled"));
            assertThatThrownBy(() -> grpc.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnreachableException.class,
                            e -> assertThat(e.getMessage()).contains("agent.tls-enabled"));
        }
    }

    @Test
    void tlsEnabledWithoutACertificateFileStopsStartUp() {
        assertThatThrownBy(() -> new AgentTls(TestConfigs.with("agent.tls-enabled", "true").link()))
                .hasMessageContaining("agent.tls-cert-file");
    }
}
