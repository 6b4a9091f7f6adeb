package io.fleetlink.controller.client;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Optional;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.security.HostTokens;
import io.fleetlink.support.SecuredFleetProfile;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Token mode with a token per host: the controller derives each host's token from its secret, an agent
 * accepts only its own, a token for another host is a 401 over both transports, an admin can read the
 * token to install on a machine, and rotating the secret and token files takes effect without a restart.
 */
@QuarkusTest
@TestProfile(SecuredFleetProfile.class)
class PerHostTokenTest {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Upper bound for a rotation to be seen (it is re-checked every second); generous for a loaded CI machine. */
    static final Duration ROTATION = Duration.ofSeconds(60);

    @Inject
    AgentClients clients;

    @Inject
    ControllerAgentToken token;

    @Inject
    ObjectMapper json;

    private static HostAddress as(String hostId) {
        return new HostAddress(hostId, "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
    }

    private PingResult ping(String hostId) {
        try {
            clients.call(as(hostId), AgentRpc.PING, null, null, (client, options) -> client.ping(options))
                    .await().atMost(TIMEOUT);
            return PingResult.OK;
        } catch (AgentUnauthorizedException e) {
            return PingResult.UNAUTHORIZED;
        }
    }

    enum PingResult { OK, UNAUTHORIZED }

    @Test
    void theControllerPresentsEachHostItsOwnToken() {
        assertThat(token.perHost()).isTrue();
        assertThat(token.forHost("gpu-02")).isEqualTo(HostTokens.derive(SecuredFleetProfile.SECRET, "gpu-02"));
        assertThat(token.source()).contains("agent-token-secret-file").doesNotContain(SecuredFleetProfile.SECRET);
        assertThat(ping(SecuredFleetProfile.HOST_ID)).isEqualTo(PingResult.OK);
    }

    @Test
    void aTokenForAnotherHostIsRefusedOverBothTransports() {
        // The controller believes the agent at this address is gpu-01, so it presents gpu-01's token.
        assertThatThrownBy(() -> clients.call(as("gpu-01"), AgentRpc.PING, null, null, (c, o) -> c.ping(o))
                .await().atMost(TIMEOUT))
                .isInstanceOfSatisfying(AgentUnauthorizedException.class,
                        e -> assertThat(e.getMessage()).contains("gpu-01", "/api/v1/agent-tokens/gpu-01"));
        String forGpu01 = token.forHost("gpu-01");
        String forGpu02 = token.forHost("gpu-02");
        try (AgentClient http = new HttpAgentClient(as("gpu-02"), forGpu01, json, Optional.empty(), TIMEOUT);
                AgentClient grpc = new GrpcAgentClient(as("gpu-02"), forGpu01, Optional.empty());
                AgentClient grpcOwn = new GrpcAgentClient(as("gpu-02"), forGpu02, Optional.empty())) {
            assertThatThrownBy(() -> http.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOf(AgentUnauthorizedException.class);
            assertThatThrownBy(() -> grpc.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOf(AgentUnauthorizedException.class);
            assertThat(grpcOwn.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isEqualTo("gpu-02");
        }
        given().header("Authorization", "Bearer " + forGpu01).when().get("/api/v1/ping").then().statusCode(401);
        given().header("Authorization", "Bearer " + SecuredFleetProfile.SECRET).when().get("/api/v1/ping").then().statusCode(401);
        given().header("Authorization", "Bearer " + forGpu02).when().get("/api/v1/ping").then().statusCode(200);
    }

    @Test
    void anAdminReadsTheTokenToInstallOnAHostAndNobodyElseDoes() {
        given().header("Authorization", "Bearer " + SecuredFleetProfile.ADMIN_TOKEN)
                .when().get("/api/v1/agent-tokens/gpu-01")
                .then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("data.host_id", equalTo("gpu-01"))
                .body("data.token", equalTo(HostTokens.derive(SecuredFleetProfile.SECRET, "gpu-01")));
        given().header("Authorization", "Bearer " + SecuredFleetProfile.OPERATOR_TOKEN)
                .when().get("/api/v1/agent-tokens/gpu-01")
                .then().statusCode(403).body("message", containsString("needs role admin"));
        given().header("Authorization", "Bearer " + SecuredFleetProfile.ADMIN_TOKEN)
                .when().get("/api/v1/agent-tokens/bad host")
                .then().statusCode(400);
    }

    @Test
    void theExecTokenIsPerHostTooAndOpensOnlyExec() {
        given().header("Authorization", "Bearer " + SecuredFleetProfile.ADMIN_TOKEN)
                .when().get("/api/v1/agent-tokens/gpu-01")
                .then().statusCode(200)
                .body("data.exec_token", equalTo(HostTokens.derive(SecuredFleetProfile.EXEC_SECRET, "gpu-01")));
        String execForGpu02 = HostTokens.derive(SecuredFleetProfile.EXEC_SECRET, SecuredFleetProfile.HOST_ID);
        String execForGpu01 = HostTokens.derive(SecuredFleetProfile.EXEC_SECRET, "gpu-01");
        // gpu-02's exec credential is valid there, and may not clean up (nothing is cleaned: 403 first).
        given().header("Authorization", "Bearer " + execForGpu02).when().get("/api/v1/ping").then().statusCode(200);
        given().header("Authorization", "Bearer " + execForGpu02).contentType("application/json").body("{}")
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(403).body("message", containsString("cleanup"));
        // Another host's exec token is nothing here.
        given().header("Authorization", "Bearer " + execForGpu01).when().get("/api/v1/ping").then().statusCode(401);
    }

    @Test
    void rotatingTheSecretAndTheAgentTokenFileNeedsNoRestart() {
        String rotated = "rotated-fleet-secret-0123456789abcdef";
        String oldToken = HostTokens.derive(SecuredFleetProfile.SECRET, SecuredFleetProfile.HOST_ID);
        String newToken = HostTokens.derive(rotated, SecuredFleetProfile.HOST_ID);
        try {
            SecuredFleetProfile.writeSecret(SecuredFleetProfile.SECRET_FILE, rotated);
            SecuredFleetProfile.writeSecret(SecuredFleetProfile.AGENT_TOKEN_FILE, newToken);
            Awaitility.await().atMost(ROTATION).untilAsserted(() -> {
                given().header("Authorization", "Bearer " + newToken).when().get("/api/v1/ping").then().statusCode(200);
                assertThat(token.forHost(SecuredFleetProfile.HOST_ID)).isEqualTo(newToken);
            });
            given().header("Authorization", "Bearer " + oldToken).when().get("/api/v1/ping").then().statusCode(401);
            assertThat(ping(SecuredFleetProfile.HOST_ID)).isEqualTo(PingResult.OK);
        } finally {
            SecuredFleetProfile.writeSecret(SecuredFleetProfile.SECRET_FILE, SecuredFleetProfile.SECRET);
            SecuredFleetProfile.writeSecret(SecuredFleetProfile.AGENT_TOKEN_FILE, oldToken);
            Awaitility.await().atMost(ROTATION).untilAsserted(() -> {
                given().header("Authorization", "Bearer " + oldToken).when().get("/api/v1/ping").then().statusCode(200);
                assertThat(token.forHost(SecuredFleetProfile.HOST_ID)).isEqualTo(oldToken);
            });
        }
    }
}
