package io.fleetlink.join;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fleetlink.agent.join.AgentJoiner;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.security.HostTokens;
import io.fleetlink.security.LocalAgentToken;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.AuditCapture;
import io.fleetlink.support.ControllerApiClient;
import io.fleetlink.support.JoiningAgentProfile;
import io.fleetlink.support.ManagementPort;
import io.fleetlink.support.SecuredFleetProfile;
import io.fleetlink.support.TestPorts;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Joining the fleet (issue 12, item 4), in one process running both roles: the agent starts without a
 * credential, with the controller's URL and a join token file that an admin fills; it joins, stores
 * its credential 0600 in its state directory, and the controller calls it with the token derived for
 * its host. Join tokens that are expired, used up or revoked are refused with 401 and change nothing;
 * a join token opens no other API and no API credential opens the join.
 */
@QuarkusTest
@TestProfile(JoiningAgentProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JoinTest {

    private static final String ADMIN = ControllerApiClient.TOKEN;
    private static final Duration JOIN = Duration.ofSeconds(60);

    @Inject
    AgentJoiner joiner;

    private static String createToken(int uses, String ttl) {
        return given().header("Authorization", "Bearer " + ADMIN).contentType("application/json")
                .body(Map.of("uses", uses, "ttl", ttl, "description", "test"))
                .when().post("/api/v1/join-tokens")
                .then().statusCode(201).header("Cache-Control", "no-store")
                .extract().jsonPath().getString("data.token");
    }

    private static Response join(String joinToken, String hostId, String address, int httpPort) {
        return given().header("Authorization", "Bearer " + joinToken).contentType("application/json")
                .body(Map.of("host_id", hostId, "address", address, "http_port", httpPort, "grpc_port", httpPort,
                        "labels", Map.of("zone", "test-2"),
                        "gpus", List.of(Map.of("index", 0, "uuid", "GPU-0000", "name", "Test GPU", "memory_total_mib", 81920))))
                .when().post("/api/v1/join").andReturn();
    }

    private static Map<String, Object> tokenRow(String joinToken) {
        String id = joinToken.substring(0, joinToken.indexOf('.'));
        List<Map<String, Object>> rows = given().header("Authorization", "Bearer " + ADMIN).when().get("/api/v1/join-tokens")
                .then().statusCode(200).extract().jsonPath().getList("data");
        return rows.stream().filter(row -> id.equals(row.get("token_id"))).findFirst().orElseThrow();
    }

    private static void hostIsNotRegistered(String hostId) {
        given().header("Authorization", "Bearer " + ADMIN).when().get("/api/v1/hosts/" + hostId).then().statusCode(404);
    }

    @Test
    @Order(1)
    void theAgentJoinsWithAJoinTokenAndTheControllerCallsItWithItsOwnCredential() throws Exception {
        String host = JoiningAgentProfile.HOST_ID;
        String credential = HostTokens.derive(JoiningAgentProfile.SECRET, host);
        // No join token yet: the agent keeps trying, says why, and is not ready; it accepts no token at all.
        assertThat(joiner.state()).isEqualTo(AgentJoiner.State.JOINING);
        Awaitility.await().atMost(JOIN).untilAsserted(() -> assertThat(joiner.lastError()).contains("join token file", "does not exist"));
        given().when().get(ManagementPort.url("/q/health/ready")).then().statusCode(503)
                .body(containsString("agent-join"));
        given().header("Authorization", "Bearer " + credential).when().get("/api/v1/ping").then().statusCode(401);
        hostIsNotRegistered(host);

        String joinToken = createToken(1, "10m");
        assertThat(joinToken).matches("[0-9a-f]{12}\\.[A-Za-z0-9_-]{43}");
        Map<String, Object> row = tokenRow(joinToken);
        assertThat(row).containsEntry("state", "ACTIVE").containsEntry("uses", 0).containsEntry("max_uses", 1)
                .containsEntry("created_by", "default").doesNotContainKeys("token", "secret_sha256");
        assertThat(row.toString()).doesNotContain(joinToken.substring(13));

        SecuredFleetProfile.writeSecret(JoiningAgentProfile.JOIN_TOKEN_FILE, joinToken);
        Awaitility.await().atMost(JOIN).until(() -> joiner.state() == AgentJoiner.State.JOINED);

        Path stored = JoiningAgentProfile.STATE_DIR.resolve(LocalAgentToken.JOINED_CREDENTIAL);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored))).isEqualTo("rw-------");
        assertThat(Files.readString(stored).trim()).isEqualTo(credential);
        assertThat(Files.readString(JoiningAgentProfile.STATE_DIR.resolve("join.json"))).contains(host)
                .doesNotContain(credential);

        given().header("Authorization", "Bearer " + ADMIN).when().get("/api/v1/hosts/" + host)
                .then().statusCode(200)
                .body("data.address", equalTo("127.0.0.1"))
                .body("data.labels.zone", equalTo("test-1"))
                .body("data.http_port", equalTo(TestPorts.httpPort()))
                .body("data.grpc_port", equalTo(TestPorts.grpcPort()))
                .body("data.state", equalTo("AVAILABLE"));
        // Both transports take the stored credential and nothing else.
        try (AgentGrpc grpc = new AgentGrpc(TestPorts.grpcPort())) {
            assertThat(grpc.stub(credential).ping(AgentProto.PingRequest.getDefaultInstance()).getHostId()).isEqualTo(host);
            assertThatThrownBy(() -> grpc.stub(joinToken).ping(AgentProto.PingRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("UNAUTHENTICATED");
        }
        // The controller calls the agent with the token it derives for the host: the agent accepts it.
        given().header("Authorization", "Bearer " + ADMIN).when().get("/api/v1/hosts/" + host + "/health")
                .then().statusCode(200).body("data.reachable", equalTo(true));
        given().header("Authorization", "Bearer " + ADMIN).when().get("/api/v1/hosts/" + host + "/system-info")
                .then().statusCode(200).body("data.host_id", equalTo(host));
        given().header("Authorization", "Bearer " + credential).when().get("/api/v1/ping").then().statusCode(200);
        given().header("Authorization", "Bearer " + HostTokens.derive(JoiningAgentProfile.SECRET, "gpu-other"))
                .when().get("/api/v1/ping").then().statusCode(401);
        given().header("Authorization", "Bearer " + joinToken).when().get("/api/v1/ping").then().statusCode(401);
        given().when().get(ManagementPort.url("/q/health/ready")).then().statusCode(200);

        assertThat(tokenRow(joinToken)).containsEntry("state", "USED_UP").containsEntry("uses", 1);
    }

    @Test
    @Order(2)
    void aUsedSingleUseTokenIsRefusedAndARejoinOfTheSameHostIsIdempotent() {
        try (AuditCapture capture = AuditCapture.install()) {
            String joinToken = createToken(1, "10m");
            Response first = join(joinToken, "gpu-join-a", "127.0.0.1", 9);
            assertThat(first.statusCode()).as(first.asString()).isEqualTo(201);
            assertThat(first.jsonPath().getString("data.token")).isEqualTo(HostTokens.derive(JoiningAgentProfile.SECRET, "gpu-join-a"));
            assertThat(first.jsonPath().getBoolean("data.rejoined")).isFalse();
            assertThat(first.getHeader("Cache-Control")).isEqualTo("no-store");

            // The one use is gone: another machine is refused, and nothing is registered.
            Response second = join(joinToken, "gpu-join-b", "127.0.0.1", 9);
            assertThat(second.statusCode()).isEqualTo(401);
            assertThat(second.jsonPath().getString("message")).contains("used up", "1 of 1 use");
            hostIsNotRegistered("gpu-join-b");

            // The host that used it joins again (its answer was lost, say): same registration, same credential.
            Response again = join(joinToken, "gpu-join-a", "127.0.0.1", 9);
            assertThat(again.statusCode()).as(again.asString()).isEqualTo(200);
            assertThat(again.jsonPath().getString("data.token")).isEqualTo(first.jsonPath().getString("data.token"));
            assertThat(again.jsonPath().getBoolean("data.rejoined")).isTrue();
            assertThat(tokenRow(joinToken)).containsEntry("uses", 1);

            // A join token does not move a registered host to another address.
            Response moved = join(joinToken, "gpu-join-a", "127.0.0.3", 9);
            assertThat(moved.statusCode()).isEqualTo(409);
            assertThat(moved.jsonPath().getString("message")).contains("deregister it first");
            given().header("Authorization", "Bearer " + ADMIN).when().get("/api/v1/hosts/gpu-join-a")
                    .then().statusCode(200).body("data.address", equalTo("127.0.0.1"));

            // Nor does it take over a host registered by hand.
            given().header("Authorization", "Bearer " + ADMIN).contentType("application/json")
                    .body(Map.of("host_id", "gpu-by-hand", "address", "127.0.0.1", "http_port", 9))
                    .when().post("/api/v1/hosts").then().statusCode(201);
            Response takeover = join(createToken(5, "10m"), "gpu-by-hand", "127.0.0.1", 9);
            assertThat(takeover.statusCode()).isEqualTo(409);
            assertThat(takeover.jsonPath().getString("message")).contains("already registered (by hand)");

            List<String> audit = capture.text();
            String id = joinToken.substring(0, 12);
            assertThat(audit).anySatisfy(line -> assertThat(line).contains("credential=join-token:" + id,
                    "host_id=gpu-join-a", "status=201"));
            assertThat(audit).anySatisfy(line -> assertThat(line).contains("credential=join-token:" + id,
                    "host_id=gpu-join-b", "status=401", "used up"));
            assertThat(String.join("\n", audit)).doesNotContain(joinToken.substring(13),
                    first.jsonPath().getString("data.token"));
        }
    }

    @Test
    @Order(3)
    void anExpiredJoinTokenIsRefusedAndChangesNothing() {
        String joinToken = createToken(3, "1s");
        Awaitility.await().atMost(JOIN).until(() -> "EXPIRED".equals(tokenRow(joinToken).get("state")));
        Response refused = join(joinToken, "gpu-join-expired", "127.0.0.1", 9);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.jsonPath().getString("message")).contains("join token " + joinToken.substring(0, 12) + " expired at");
        assertThat(refused.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
        hostIsNotRegistered("gpu-join-expired");
        assertThat(tokenRow(joinToken)).containsEntry("uses", 0);
    }

    @Test
    @Order(4)
    void aRevokedJoinTokenIsRefused() {
        String joinToken = createToken(3, "10m");
        String id = joinToken.substring(0, 12);
        given().header("Authorization", "Bearer " + ADMIN).when().delete("/api/v1/join-tokens/" + id)
                .then().statusCode(200).body("data.state", equalTo("REVOKED"));
        Response refused = join(joinToken, "gpu-join-revoked", "127.0.0.1", 9);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.jsonPath().getString("message")).contains("join token " + id + " was revoked");
        hostIsNotRegistered("gpu-join-revoked");
        given().header("Authorization", "Bearer " + ADMIN).when().delete("/api/v1/join-tokens/000000000000")
                .then().statusCode(404);
        given().header("Authorization", "Bearer " + ADMIN).when().delete("/api/v1/join-tokens/not-an-id")
                .then().statusCode(400);
    }

    @Test
    @Order(5)
    void aJoinTokenOpensNoOtherApiAndNoOtherCredentialOpensTheJoin() {
        String joinToken = createToken(5, "10m");
        for (String path : List.of("/api/v1/hosts", "/api/v1/join-tokens", "/api/v1/agent-tokens/gpu-join-1",
                "/api/v1/operations", "/api/v1/ping")) {
            given().header("Authorization", "Bearer " + joinToken).when().get(path).then().statusCode(401);
        }
        given().header("Authorization", "Bearer " + joinToken).contentType("application/json")
                .body(Map.of("uses", 1)).when().post("/api/v1/join-tokens").then().statusCode(401);
        // The admin's token, the agent's own credential, a made-up token of the right shape, none at all: 401.
        String credential = HostTokens.derive(JoiningAgentProfile.SECRET, JoiningAgentProfile.HOST_ID);
        for (String other : List.of(ADMIN, credential, joinToken.substring(0, 13) + "x".repeat(43),
                "0123456789ab." + joinToken.substring(13))) {
            Response refused = join(other, "gpu-join-other", "127.0.0.1", 9);
            assertThat(refused.statusCode()).as("join with %s", other).isEqualTo(401);
            assertThat(refused.jsonPath().getString("message")).contains("join token");
        }
        given().contentType("application/json").body("{}").when().post("/api/v1/join").then().statusCode(401);
        hostIsNotRegistered("gpu-join-other");
        assertThat(tokenRow(joinToken)).containsEntry("uses", 0);
        // A bad request with a good token changes nothing either.
        given().header("Authorization", "Bearer " + joinToken).contentType("application/json")
                .body(Map.of("host_id", "bad host", "address", "127.0.0.1"))
                .when().post("/api/v1/join").then().statusCode(400);
        assertThat(tokenRow(joinToken)).containsEntry("uses", 0);
        given().header("Authorization", "Bearer " + ADMIN).when().get("/api/v1/join-tokens")
                .then().statusCode(200).body("data.token", not(hasItem(joinToken)));
    }
}
