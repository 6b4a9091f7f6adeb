package io.fleetlink.controller.fanout;

import static io.fleetlink.support.ControllerApiClient.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.TempFiles;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * {@code POST /api/v1/exec} against the real local agent: several host registrations point at it (one
 * agent per machine is what production has; here the hosts differ only by id and labels), plus one that
 * points at a closed port. Every command writes a line to a file so the test can count real runs.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
@TestProfile(HostOpsProfile.class)
class FleetExecTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static Path work;

    @BeforeAll
    static void workDir() throws Exception {
        work = Files.createTempDirectory("fleetlink-fanout-");
    }

    @AfterAll
    static void cleanUp() {
        TempFiles.deleteRecursively(work);
    }

    @Test
    void aSelectorRunsTheCommandOnEveryMatchingHostAndReportsEach() throws Exception {
        String rack = rack();
        List<String> hosts = register(rack, 3, "h100");
        register(rack, 1, "a100"); // same rack, other GPU: not selected
        Path runs = work.resolve("runs-" + rack);

        JsonPath reply = api().body(exec("gpu=h100,rack=" + rack, null, record(runs, "hello")))
                .when().post("/api/v1/exec").then().statusCode(200)
                .body("message", equalTo("ran on 3 hosts: 3 ok, 0 failed, 0 errors"))
                .extract().jsonPath();

        assertThat(reply.getList("data.results.host_id", String.class)).containsExactlyElementsOf(hosts);
        assertThat(reply.getList("data.results.outcome", String.class)).containsOnly("OK");
        assertThat(reply.getList("data.results.stdout", String.class)).containsOnly("hello\n");
        assertThat(reply.getList("data.results.exit_code", Integer.class)).containsOnly(0);
        assertThat(Files.readAllLines(runs)).as("one real run per host").hasSize(3);
    }

    @Test
    void eachHostEndsOkFailedOrInErrorAndTheSummaryCountsThem() throws Exception {
        String rack = rack();
        register(rack, 2, "h100");
        String dead = "dead-" + rack;
        api().body(Map.of("host_id", dead, "address", "127.0.0.1", "http_port", TestPorts.freePort(),
                        "labels", Map.of("rack", rack, "gpu", "h100")))
                .when().post("/api/v1/hosts").then().statusCode(201);

        JsonPath reply = api().body(exec("rack=" + rack, null, List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3")))
                .when().post("/api/v1/exec").then().statusCode(200)
                .body("data.summary.hosts", equalTo(3))
                .body("data.summary.failed", equalTo(2))
                .body("data.summary.errors", equalTo(1))
                .extract().jsonPath();

        Map<String, Object> failed = reply.getList("data.results", Map.class).stream()
                .filter(result -> !dead.equals(result.get("host_id"))).findFirst().orElseThrow();
        assertThat(failed).containsEntry("outcome", "FAILED").containsEntry("exit_code", 3)
                .containsEntry("stdout", "out\n").containsEntry("stderr", "err\n");
        Map<String, Object> error = reply.getList("data.results", Map.class).stream()
                .filter(result -> dead.equals(result.get("host_id"))).findFirst().orElseThrow();
        assertThat(error.get("outcome")).isEqualTo("ERROR");
        assertThat(error.get("exit_code")).isNull();
        assertThat((String) error.get("error")).isNotBlank();
    }

    @Test
    void namedHostsThatAreNotRegisteredRunNothing() throws Exception {
        String rack = rack();
        List<String> hosts = register(rack, 1, "h100");
        Path runs = work.resolve("runs-" + rack);

        api().body(exec(null, List.of(hosts.get(0), "nope-" + rack), record(runs, "x")))
                .when().post("/api/v1/exec").then().statusCode(404)
                .body("message", equalTo("host_ids: not registered: nope-" + rack + "; nothing was run"));
        api().body(exec("rack=nowhere-" + rack, null, record(runs, "x")))
                .when().post("/api/v1/exec").then().statusCode(404)
                .body("message", containsString("no registered host matches 'rack=nowhere-" + rack + "'"));
        assertThat(runs).doesNotExist();
    }

    @Test
    void malformedRequestsAreRefusedWithTheRule() {
        api().body(exec("rack=a", List.of("h1"), List.of("echo")))
                .when().post("/api/v1/exec").then().statusCode(400)
                .body("message", containsString("exactly one of host_ids"));
        api().body(exec(null, null, List.of("echo")))
                .when().post("/api/v1/exec").then().statusCode(400)
                .body("message", containsString("exactly one of host_ids"));
        api().body(exec("rack=a,=b", null, List.of("echo")))
                .when().post("/api/v1/exec").then().statusCode(400)
                .body("message", containsString("selector: term '=b'"));
        api().body(exec("rack=a", null, List.of()))
                .when().post("/api/v1/exec").then().statusCode(400)
                .body("message", containsString("command"));
        Map<String, Object> tooLong = exec("rack=a", null, List.of("echo"));
        tooLong.put("deadline_seconds", 100_000);
        api().body(tooLong).when().post("/api/v1/exec").then().statusCode(400)
                .body("message", containsString("fleetlink.controller.fan-out.max-deadline"));
        api().header("X-Request-Id", "not ok!").body(exec("rack=a", null, List.of("echo")))
                .when().post("/api/v1/exec").then().statusCode(400);
    }

    @Test
    void theWholeCallEndsByItsDeadlineAndSaysWhichHostsHadNoResult() {
        String rack = rack();
        register(rack, 2, "h100");
        Map<String, Object> body = exec("rack=" + rack, null, List.of("/bin/sh", "-c", "sleep 3"));
        body.put("timeout_seconds", 4);
        body.put("deadline_seconds", 1);
        body.put("concurrency", 1);

        JsonPath reply = api().body(body).when().post("/api/v1/exec").then().statusCode(200)
                .body("data.summary.errors", equalTo(2))
                .extract().jsonPath();

        assertThat(reply.getString("data.results[0].error")).startsWith("no result within the call's deadline (1s)");
        assertThat(reply.getString("data.results[1].error")).startsWith("not started: the call's deadline (1s) passed");
    }

    @Test
    void aRetryWithTheSameRequestIdIsAnsweredByEachAgentWithoutRunningAgain() throws Exception {
        String rack = rack();
        register(rack, 2, "h100");
        Path runs = work.resolve("runs-" + rack);
        String requestId = "fan-" + rack;

        for (int attempt = 0; attempt < 2; attempt++) {
            api().header("X-Request-Id", requestId).body(exec("rack=" + rack, null, record(runs, "once")))
                    .when().post("/api/v1/exec").then().statusCode(200)
                    .body("data.summary.ok", equalTo(2));
        }
        assertThat(Files.readAllLines(runs)).as("two hosts, each ran once across two calls").hasSize(2);
    }

    @Test
    void withNdjsonEachHostIsALineAsItFinishesThenTheSummary() throws Exception {
        String rack = rack();
        List<String> hosts = register(rack, 3, "h100");

        String body = api().accept(FleetExecResource.NDJSON).body(exec("rack=" + rack, null, List.of("echo", "hi")))
                .when().post("/api/v1/exec").then().statusCode(200)
                .extract().asString();

        List<JsonNode> lines = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        assertThat(lines).hasSize(4);
        assertThat(lines.subList(0, 3).stream().map(line -> line.get("host_id").asText()))
                .containsExactlyInAnyOrderElementsOf(hosts);
        assertThat(lines.subList(0, 3)).allSatisfy(line -> assertThat(line.get("stdout").asText()).isEqualTo("hi\n"));
        JsonNode summary = lines.get(3).get("summary");
        assertThat(summary.get("hosts").asInt()).isEqualTo(3);
        assertThat(summary.get("ok").asInt()).isEqualTo(3);
    }

    @Test
    void aBadStreamedRequestIsOneLineHoldingTheEnvelope() throws Exception {
        String body = api().accept(FleetExecResource.NDJSON).body(exec("rack=nowhere-" + rack(), null, List.of("echo")))
                .when().post("/api/v1/exec").then().statusCode(404)
                .extract().asString();

        assertThat(body.strip()).doesNotContain("\n");
        JsonNode envelope = JSON.readTree(body);
        assertThat(envelope.get("success").asBoolean()).isFalse();
        assertThat(envelope.get("code").asInt()).isEqualTo(404);
    }

    private static String rack() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Registers {@code count} hosts labelled with the rack and GPU, all pointing at the local agent. */
    private static List<String> register(String rack, int count, String gpu) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = "fx-" + gpu + "-" + rack + "-" + i;
            api().body(Map.of("host_id", id, "address", "127.0.0.1", "http_port", TestPorts.httpPort(),
                            "labels", Map.of("rack", rack, "gpu", gpu)))
                    .when().post("/api/v1/hosts").then().statusCode(201);
            ids.add(id);
        }
        return ids;
    }

    /** A command that prints {@code word} and appends it to {@code file}: one line per real run. */
    private static List<String> record(Path file, String word) {
        return List.of("/bin/sh", "-c", "echo " + word + "; echo " + word + " >> " + file);
    }

    private static Map<String, Object> exec(String selector, List<String> hostIds, List<String> command) {
        Map<String, Object> body = new HashMap<>();
        if (selector != null) {
            body.put("selector", selector);
        }
        if (hostIds != null) {
            body.put("host_ids", hostIds);
        }
        body.put("command", command);
        return body;
    }
}
