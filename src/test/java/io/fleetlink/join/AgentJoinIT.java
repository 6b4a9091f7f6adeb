package io.fleetlink.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.security.HostTokens;
import io.fleetlink.support.PackagedFleetlink;
import io.fleetlink.support.SecuredFleetProfile;
import io.fleetlink.support.TempFiles;
import io.fleetlink.support.TestPorts;

/**
 * The packaged binary, as an operator runs it on two machines: a controller with a per-host secret,
 * and an agent started with only the controller's URL and a join token an admin created. The agent
 * joins, stores its credential 0600, the controller calls it with the token it derives for the host;
 * then the agent is restarted with the join token gone (and used up) and still answers the controller
 * with the credential it stored.
 */
class AgentJoinIT {

    private static final Duration START = Duration.ofSeconds(120);
    private static final String ADMIN = "join-it-admin-token-0123456789";
    private static final String SECRET = "join-it-fleet-secret-0123456789abcdef";
    private static final String HOST = "gpu-join-it";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newHttpClient();
    private final Path work = temp();

    @AfterEach
    void cleanUp() {
        TempFiles.deleteRecursively(work);
    }

    @Test
    void anAgentJoinsAndKeepsItsCredentialAcrossARestart() throws Exception {
        Path secretFile = work.resolve("agent-token-secret");
        Path joinTokenFile = work.resolve("join.token");
        Path state = work.resolve("agent-state");
        SecuredFleetProfile.writeSecret(secretFile, SECRET);
        int api = TestPorts.freePort();
        int http = TestPorts.freePort();
        int grpc = TestPorts.freePort();
        String credential = HostTokens.derive(SECRET, HOST);
        try (PackagedFleetlink controller = PackagedFleetlink.start("fleetlink.role=controller",
                "fleetlink.controller.auth.token=" + ADMIN, "fleetlink.controller.agent-token-secret-file=" + secretFile,
                "fleetlink.store.path=" + work.resolve("store"), "quarkus.http.port=" + api,
                "quarkus.grpc.server.port=" + TestPorts.freePort()).awaitStarted(START)) {
            JsonNode created = send(api, "POST", "/api/v1/join-tokens", "{\"uses\":1,\"ttl\":\"10m\"}", ADMIN);
            assertThat(created.path("code").asInt()).as(created.toString()).isEqualTo(201);
            SecuredFleetProfile.writeSecret(joinTokenFile, created.path("data").path("token").asText());

            try (PackagedFleetlink agent = startAgent(api, http, grpc, state, joinTokenFile)) {
                Awaitility.await().atMost(START).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(send(api, "GET", "/api/v1/hosts/" + HOST, null, ADMIN).path("code").asInt()).isEqualTo(200));
                Path stored = state.resolve("agent.credential");
                Awaitility.await().atMost(START).until(() -> Files.exists(stored));
                assertThat(Files.readString(stored).trim()).isEqualTo(credential);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored))).isEqualTo("rw-------");
                assertReachable(api);
                assertThat(status(http, credential)).isEqualTo(200);
                assertThat(status(http, HostTokens.derive(SECRET, "gpu-another"))).isEqualTo(401);
                assertThat(agent.output()).contains("joined the fleet").doesNotContain(credential, SECRET);
            }
            String joinToken = created.path("data").path("token").asText();
            assertThat(controller.output()).contains("credential=join-token:" + joinToken.substring(0, 12), "outcome=joined")
                    .doesNotContain(credential, SECRET, joinToken.substring(13));

            // Restarted without a join token (it was used up anyway): the stored credential is enough.
            Files.delete(joinTokenFile);
            try (PackagedFleetlink agent = startAgent(api, http, grpc, state, joinTokenFile)) {
                assertThat(agent.output()).contains("holds the credential it got when it joined");
                assertReachable(api);
                assertThat(status(http, credential)).isEqualTo(200);
                HttpResponse<String> ready = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + agent.managementPort() + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                assertThat(agent.output()).doesNotContain("has not joined");
            }
        }
    }

    private PackagedFleetlink startAgent(int api, int http, int grpc, Path state, Path joinTokenFile) throws Exception {
        return PackagedFleetlink.start("fleetlink.role=agent", "fleetlink.agent.host-id=" + HOST,
                "fleetlink.agent.state-dir=" + state, "fleetlink.agent.join.url=http://127.0.0.1:" + api,
                "fleetlink.agent.join.token-file=" + joinTokenFile, "fleetlink.agent.join.retry-min=200ms",
                "fleetlink.agent.join.retry-max=2s", "quarkus.http.port=" + http,
                "quarkus.grpc.server.port=" + grpc).awaitStarted(START);
    }

    /** The controller pings the agent (with the token it derives for the host) and finds it reachable. */
    private void assertReachable(int api) {
        Awaitility.await().atMost(START).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode health = send(api, "GET", "/api/v1/hosts/" + HOST + "/health", null, ADMIN);
            assertThat(health.path("data").path("reachable").asBoolean()).as(health.toString()).isTrue();
        });
    }

    private int status(int agentPort, String token) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort + "/api/v1/ping"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private JsonNode send(int port, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return JSON.readTree(client.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static Path temp() {
        try {
            return Files.createTempDirectory("fleetlink-join-it");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
