package io.fleetlink.controller.handover;

import static io.fleetlink.support.ControllerApiClient.api;
import static io.fleetlink.support.ControllerFixtures.allocate;
import static io.fleetlink.support.ControllerFixtures.registerHost;
import static io.fleetlink.support.FakeAgent.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.FakeAgent;
import io.fleetlink.support.TestPorts;
import io.restassured.path.json.JsonPath;

/**
 * The controller's side of a provable handover, against a WireMock agent ({@link FakeAgent}), since
 * the faults here (an agent that is down for 10 s and comes back on the same port, a 504 "still
 * running", a stale-epoch refusal, a cleanup slower than {@code agent.timeout}) cannot be made to
 * happen on demand with the in-process agent. Run on H2 and PostgreSQL.
 */
abstract class HandoverContract {

    static final Duration WAIT = Duration.ofSeconds(90);
    static final String RESET = "/api/v1/ssh/reset";
    static final String CLEANUP = "/api/v1/machine/cleanup";
    static final String USER = "fltenant";

    static final String RESET_OK = envelope(200, "ok", "{\"user\":\"fltenant\",\"fingerprints\":[\"SHA256:x\"],\"sessions_terminated\":0}");
    static final String CLEANUP_OK = envelope(200, "ok", "{\"success\":true,\"steps\":["
            + "{\"type\":\"process\",\"success\":true,\"message\":\"ended 2\",\"removed\":[\"4242\",\"4243\"],\"removed_total\":2,\"duration_ms\":12},"
            + "{\"type\":\"data\",\"success\":true,\"message\":\"removed 1\",\"removed\":[\"/scratch/fltenant/run-1\"],\"removed_total\":3,\"bytes_removed\":4096},"
            + "{\"type\":\"ssh\",\"success\":true,\"message\":\"revoked 1\",\"removed\":[\"SHA256:abc\"],\"sessions_ended\":2},"
            + "{\"type\":\"docker\",\"success\":true,\"message\":\"removed 1\",\"removed\":[\"c0ffee\"]},"
            + "{\"type\":\"datasets\",\"success\":true,\"message\":\"unmounted 1\",\"removed\":[\"/mnt/datasets/imagenet\"]}],"
            + "\"host_id\":\"gpu-7\",\"agent_version\":\"1.4.0\",\"epoch\":2,\"started_at\":\"2030-01-01T00:00:00Z\","
            + "\"finished_at\":\"2030-01-01T00:00:03Z\"}");

    void requireStore() {
    }

    @BeforeAll
    static void receiverUp() {
        CallbackReceiver.start();
    }

    @BeforeEach
    void store() {
        requireStore();
    }

    @Test
    void anAgentDownForTenSecondsDuringAnAllocationAndARelease_bothComplete_andEveryAttemptIsListed() throws Exception {
        try (FakeAgent agent = new FakeAgent(TestPorts.freePort())) {
            agent.answers(RESET, new Object[] {200, RESET_OK}).answers(CLEANUP, new Object[] {200, CLEANUP_OK});
            String hostId = registerHost(agent.port());

            agent.down();
            String allocationId = allocate(hostId, USER);
            Thread.sleep(10_000); // the agent is down (restarting, say) for 10 s
            status(allocationId, "PROVISIONING");
            agent.up();
            awaitAllocation(allocationId, "READY");
            String provision = api().when().get("/api/v1/allocations/" + allocationId).then().extract().path("data.operation_id");
            assertEveryAttemptListed(provision, agent.requests(RESET, provision));

            agent.down();
            String release = api().when().post("/api/v1/allocations/" + allocationId + "/release").then().statusCode(202)
                    .extract().path("data.operation_id");
            Thread.sleep(10_000);
            status(allocationId, "RELEASING");
            agent.up();
            awaitAllocation(allocationId, "RELEASED");
            assertEveryAttemptListed(release, agent.requests(CLEANUP, release));
            api().when().get("/api/v1/hosts/" + hostId).then().body("data.state", equalTo("AVAILABLE"));
        }
    }

    /** Failed attempts (the agent down), then one success, all under the operation's request id. */
    private static void assertEveryAttemptListed(String operationId, int reachedTheAgent) {
        JsonPath op = api().when().get("/api/v1/operations/" + operationId).then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> log = op.getList("data.attempt_log");
        assertThat(op.getString("data.status")).isEqualTo("SUCCEEDED");
        assertThat(op.getInt("data.attempts")).isEqualTo(log.size()).isGreaterThan(1);
        assertThat(log).extracting(a -> a.get("request_id")).containsOnly(operationId);
        assertThat(log.get(log.size() - 1)).containsEntry("outcome", "success");
        assertThat(log.subList(0, log.size() - 1)).allSatisfy(a -> {
            assertThat(a.get("outcome")).isIn("unreachable", "breaker_open");
            assertThat((String) a.get("error")).isNotBlank();
            assertThat(a).containsKeys("started_at", "finished_at");
        });
        assertThat(reachedTheAgent).as("the agent ran it once").isEqualTo(1);
    }

    @Test
    void aCleanupLongerThanAgentTimeout_andA504StillRunning_endsReleased() {
        try (FakeAgent agent = new FakeAgent()) {
            agent.answers(RESET, new Object[] {200, RESET_OK})
                    .answers(CLEANUP,
                            new Object[] {504, envelope(504, "machine-cleanup is still running; retry with the same X-Request-Id to get its result", null)},
                            new Object[] {200, CLEANUP_OK, 2_500}); // 2.5 s, agent.timeout is 1 s
            String hostId = registerHost(agent.port());
            String allocationId = allocate(hostId, USER);
            awaitAllocation(allocationId, "READY");

            String release = api().when().post("/api/v1/allocations/" + allocationId + "/release").then().statusCode(202)
                    .extract().path("data.operation_id");
            awaitAllocation(allocationId, "RELEASED");

            assertThat(agent.requestIds(CLEANUP)).containsExactly(release, release);
            JsonPath op = api().when().get("/api/v1/operations/" + release).then().extract().jsonPath();
            assertThat(op.getList("data.attempt_log.outcome")).containsExactly("timeout", "success");
        }
    }

    @Test
    void epochsRiseWithEveryOwnershipChangeAndRideOnEveryMutatingCall() {
        try (FakeAgent agent = new FakeAgent()) {
            agent.answers(RESET, new Object[] {200, RESET_OK}).answers(CLEANUP, new Object[] {200, CLEANUP_OK});
            String hostId = registerHost(agent.port());
            api().when().get("/api/v1/hosts/" + hostId).then().body("data.epoch", equalTo(0));

            String allocationId = allocate(hostId, USER);
            awaitAllocation(allocationId, "READY");
            api().when().get("/api/v1/allocations/" + allocationId).then().body("data.epoch", equalTo(1));
            api().when().get("/api/v1/hosts/" + hostId).then().body("data.epoch", equalTo(1));
            assertThat(agent.epochs(RESET)).containsExactly("1");

            String release = api().when().post("/api/v1/allocations/" + allocationId + "/release").then()
                    .extract().path("data.operation_id");
            awaitAllocation(allocationId, "RELEASED");
            // ALLOCATED → RELEASING is an ownership change (2, what the cleanup carries), RELEASING → AVAILABLE another.
            assertThat(agent.epochs(CLEANUP)).containsExactly("2");
            api().when().get("/api/v1/operations/" + release).then().body("data.epoch", equalTo(2));
            api().when().get("/api/v1/hosts/" + hostId).then().body("data.epoch", equalTo(3));

            String next = allocate(hostId, USER);
            awaitAllocation(next, "READY");
            assertThat(agent.epochs(RESET)).containsExactly("1", "4");
        }
    }

    @Test
    void aStaleEpochRefusalRaisesTheStoreEpochAboveTheAgentsAndTheOwnerGoesOn() {
        try (FakeAgent agent = new FakeAgent()) {
            // The agent has accepted epoch 7 before (a restored store, a host deleted and registered again).
            agent.answers(RESET, new Object[] {409, envelope(409, "stale epoch 1, this host is at 7", null)},
                    new Object[] {200, RESET_OK});
            String hostId = registerHost(agent.port());
            String allocationId = allocate(hostId, USER);
            awaitAllocation(allocationId, "READY");

            String provision = api().when().get("/api/v1/allocations/" + allocationId).then().extract().path("data.operation_id");
            assertThat(agent.epochs(RESET)).containsExactly("1", "8");
            assertThat(agent.requestIds(RESET)).containsExactly(provision, provision + "-e8");
            api().when().get("/api/v1/hosts/" + hostId).then()
                    .body("data.epoch", equalTo(8))
                    .body("data.agent_epoch", equalTo(7));
            api().when().get("/api/v1/operations/" + provision).then()
                    .body("data.attempt_log.outcome", org.hamcrest.Matchers.contains("fenced", "success"))
                    .body("data.epoch", equalTo(8));
        }
    }

    @Test
    void aReleaseStoresItsReport_theCallbackCarriesIt_andAManualCleanupThatFreesTheHostUpdatesIt() {
        try (FakeAgent agent = new FakeAgent()) {
            agent.answers(RESET, new Object[] {200, RESET_OK}).cleanupStepFails();
            String hostId = registerHost(agent.port());
            String allocationId = allocate(hostId, USER);
            awaitAllocation(allocationId, "READY");
            api().when().get("/api/v1/allocations/" + allocationId + "/report").then().statusCode(404)
                    .body("message", containsString("no handover report yet: it is READY"));

            api().when().post("/api/v1/allocations/" + allocationId + "/release").then().statusCode(202);
            awaitAllocation(allocationId, "CLEANUP_FAILED");
            api().when().get("/api/v1/allocations/" + allocationId + "/report").then().statusCode(200)
                    .body("data.kind", equalTo("release"))
                    .body("data.clean", equalTo(false))
                    .body("data.error", containsString("docker (engine not answering)"))
                    .body("data.host_id", equalTo(hostId))
                    .body("data.epoch", equalTo(2));
            await().atMost(WAIT).untilAsserted(() -> assertThat(CallbackReceiver.eventsFor(allocationId))
                    .filteredOn(e -> "allocation.cleanup_failed".equals(e.get("type")))
                    .singleElement()
                    .satisfies(e -> assertThat(e).containsEntry("report_url", "/api/v1/allocations/" + allocationId + "/report")
                            .containsKey("report")));

            agent.answers(CLEANUP, new Object[] {200, CLEANUP_OK});
            api().body(Map.of("user", USER)).when().post("/api/v1/hosts/" + hostId + "/cleanup").then().statusCode(202);
            await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/hosts/" + hostId).then()
                    .body("data.state", equalTo("AVAILABLE")));

            JsonPath report = api().when().get("/api/v1/allocations/" + allocationId + "/report").then().statusCode(200)
                    .extract().jsonPath();
            assertThat(report.getString("data.kind")).isEqualTo("host_cleanup");
            assertThat(report.getBoolean("data.clean")).isTrue();
            assertThat(report.getList("data.processes_ended.items")).containsExactly("4242", "4243");
            assertThat(report.getInt("data.processes_ended.count")).isEqualTo(2);
            assertThat(report.getInt("data.data_entries_removed.count")).isEqualTo(3);
            assertThat(report.getInt("data.data_bytes_removed")).isEqualTo(4096);
            assertThat(report.getList("data.keys_revoked.items")).containsExactly("SHA256:abc");
            assertThat(report.getInt("data.sessions_ended")).isEqualTo(2);
            assertThat(report.getList("data.containers_removed.items")).containsExactly("c0ffee");
            assertThat(report.getList("data.datasets_unmounted.items")).containsExactly("/mnt/datasets/imagenet");
            assertThat(report.getString("data.agent_version")).isEqualTo("1.4.0");
            assertThat(report.getString("data.started_at")).isEqualTo("2030-01-01T00:00:00Z");
            assertThat(report.getList("data.steps")).hasSize(5);
            await().atMost(WAIT).untilAsserted(() -> assertThat(CallbackReceiver.eventsFor(allocationId))
                    .filteredOn(e -> "host.cleaned".equals(e.get("type")))
                    .singleElement()
                    .satisfies(e -> assertThat(e).containsEntry("host_id", hostId).containsEntry("status", "AVAILABLE")
                            .containsKey("report")));
        }
    }

    static void status(String allocationId, String status) {
        api().when().get("/api/v1/allocations/" + allocationId).then().statusCode(200).body("data.status", equalTo(status));
    }

    static void awaitAllocation(String allocationId, String status) {
        await().atMost(WAIT).untilAsserted(() -> status(allocationId, status));
    }
}
