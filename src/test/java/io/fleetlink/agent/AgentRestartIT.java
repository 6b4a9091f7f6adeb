package io.fleetlink.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.support.PackagedFleetlink;
import io.fleetlink.support.TempFiles;
import io.fleetlink.support.TestPorts;

/**
 * A real agent restart: the packaged binary stopped and started again over the same state directory.
 * The fencing epoch survives it, and a retry of a finished request is answered from the state
 * directory without running again; a corrupt epoch file stops the start.
 */
class AgentRestartIT {

    private static final Duration START = Duration.ofSeconds(90);
    private static final String TOKEN = "restart-agent-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newHttpClient();
    private final Path work = temp();
    private final Path state = work.resolve("state");

    @AfterEach
    void cleanUp() {
        TempFiles.deleteRecursively(work);
    }

    @Test
    void theEpochAndAFinishedRequestsResultSurviveARestart() throws Exception {
        Path runs = work.resolve("runs");
        String id = "restart-" + UUID.randomUUID();
        String body = "{\"command\":[\"/bin/sh\",\"-c\",\"echo run >> " + runs + "; echo ran\"]}";
        int http = TestPorts.freePort();
        try (PackagedFleetlink agent = start(http)) {
            JsonNode first = post(http, "/api/v1/command/exec", body, id, "5");
            assertThat(first.path("code").asInt()).as(first.toString()).isEqualTo(200);
            assertThat(first.path("data").path("stdout").asText()).isEqualTo("ran\n");
        }
        assertThat(Files.readString(state.resolve("epoch"))).isEqualTo("5\n");

        http = TestPorts.freePort();
        try (PackagedFleetlink agent = start(http)) {
            assertThat(get(http, "/api/v1/ping").path("data").path("epoch").asLong()).isEqualTo(5);
            JsonNode retry = post(http, "/api/v1/command/exec", body, id, "5");
            assertThat(retry.path("code").asInt()).as(retry.toString()).isEqualTo(200);
            assertThat(retry.path("data").path("stdout").asText()).isEqualTo("ran\n");
            assertThat(Files.readAllLines(runs)).as("the command ran once").containsExactly("run");

            JsonNode late = post(http, "/api/v1/command/exec", body, null, "4");
            assertThat(late.path("code").asInt()).isEqualTo(409);
            assertThat(late.path("message").asText()).isEqualTo("stale epoch 4, this host is at 5");
            assertThat(Files.readAllLines(runs)).containsExactly("run");
        }
    }

    @Test
    void aCorruptEpochFileStopsTheStartNamingIt() throws Exception {
        Files.createDirectories(state);
        Files.writeString(state.resolve("epoch"), "not a number\n");
        Files.setPosixFilePermissions(state.resolve("epoch"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (PackagedFleetlink agent = PackagedFleetlink.start("fleetlink.role=agent", "fleetlink.agent.auth.token=" + TOKEN,
                "fleetlink.agent.state-dir=" + state, "quarkus.http.port=" + TestPorts.freePort(),
                "quarkus.grpc.server.port=" + TestPorts.freePort())) {
            assertThat(agent.awaitExit(START)).isNotZero();
            assertThat(agent.output()).contains(state.resolve("epoch").toString(), "corrupt");
        }
    }

    private PackagedFleetlink start(int http) throws Exception {
        return PackagedFleetlink.start("fleetlink.role=agent", "fleetlink.agent.auth.token=" + TOKEN,
                "fleetlink.agent.state-dir=" + state, "fleetlink.agent.exec.enabled=true",
                "fleetlink.agent.auth.operations=exec", "fleetlink.agent.exec.allowed-commands=/bin/sh", "quarkus.http.port=" + http,
                "quarkus.grpc.server.port=" + TestPorts.freePort()).awaitStarted(START);
    }

    private JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private JsonNode post(int port, String path, String body, String requestId, String epoch) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .header("X-Fleetlink-Epoch", epoch)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        return JSON.readTree(client.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static Path temp() {
        try {
            return Files.createTempDirectory("fl-restart");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
