package io.fleetlink.controller.pipeline;

import static io.fleetlink.support.ControllerApiClient.api;
import static io.fleetlink.support.ControllerFixtures.allocate;
import static io.fleetlink.support.ControllerFixtures.registerHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.FakeAgent;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Task stop: synchronous answer, STOPPED only when the agent confirmed, background retry, operator cancel. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class TaskStopTest {

    static final Duration WAIT = Duration.ofSeconds(40);

    @BeforeAll
    static void receiverUp() {
        CallbackReceiver.start();
    }

    @Test
    void aStopTheAgentConfirmsMarksTheTaskStopped() {
        try (FakeAgent agent = new FakeAgent()) {
            String taskId = registerTask(registerHost(agent.port()));
            agent.stopProcessSucceeds(taskId);

            String op = api().when().post("/api/v1/tasks/" + taskId + "/stop")
                    .then().statusCode(200)
                    .body("data.status", equalTo("STOPPED"))
                    .extract().jsonPath().getString("data.operation_id");
            assertThat(agent.requests("/api/v1/process/stop", op)).isEqualTo(1);
            await().atMost(WAIT).untilAsserted(() -> assertThat(CallbackReceiver.eventsFor(taskId))
                    .singleElement()
                    .satisfies(event -> assertThat(event).containsEntry("type", "task.stopped")
                            .containsEntry("status", "STOPPED")
                            .doesNotContainKey("allocation_id")));

            // Stopping a stopped task is a no-op that answers the same.
            api().when().post("/api/v1/tasks/" + taskId + "/stop")
                    .then().statusCode(200)
                    .body("data.status", equalTo("STOPPED"))
                    .body("data.operation_id", equalTo(op));
            assertThat(agent.requests("/api/v1/process/stop")).isEqualTo(1);
        }
    }

    @Test
    void anUnreachableAgentIs502AndTheStopIsRetriedInTheBackgroundUntilItSucceeds() {
        try (FakeAgent agent = new FakeAgent()) {
            String taskId = registerTask(registerHost(agent.port()));
            agent.stopProcessFails();

            String op = api().when().post("/api/v1/tasks/" + taskId + "/stop")
                    .then().statusCode(502)
                    .body("success", equalTo(false))
                    .body("message", containsString("retried in the background"))
                    .body("data.status", equalTo("STOP_FAILED"))
                    .extract().jsonPath().getString("data.operation_id");
            api().when().get("/api/v1/operations/" + op).then()
                    .body("data.status", equalTo("PENDING"))
                    .body("data.type", equalTo("task.stop"))
                    .body("data.last_error", containsString("503"));
            // A background attempt (the second) must have failed too before the agent recovers; each
            // attempt is itself several HTTP requests, so count attempts, not requests.
            await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/operations/" + op).then()
                    .body("data.attempts", org.hamcrest.Matchers.greaterThanOrEqualTo(2))
                    .body("data.status", equalTo("PENDING")));
            assertThat(agent.requests("/api/v1/process/stop", op)).isGreaterThanOrEqualTo(2);

            agent.stopProcessSucceeds(taskId);
            await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/tasks/" + taskId)
                    .then().body("data.status", equalTo("STOPPED")));
            api().when().get("/api/v1/operations/" + op).then()
                    .body("data.status", equalTo("SUCCEEDED"))
                    .body("data.attempts", org.hamcrest.Matchers.greaterThanOrEqualTo(3));
            await().atMost(WAIT).untilAsserted(() -> assertThat(CallbackReceiver.eventsFor(taskId))
                    .extracting(e -> e.get("type"))
                    .containsExactlyInAnyOrder("task.stop_failed", "task.stopped"));
        }
    }

    @Test
    void anOperatorGivesUpAStopThatKeepsFailing() {
        String taskId = registerTask(registerHost(TestPorts.freePort()));

        String op = api().when().post("/api/v1/tasks/" + taskId + "/stop")
                .then().statusCode(502)
                .body("message", containsString("cannot connect"))
                .body("data.status", equalTo("STOP_FAILED"))
                .extract().jsonPath().getString("data.operation_id");

        await().atMost(WAIT).untilAsserted(() -> api().when().post("/api/v1/operations/" + op + "/cancel")
                .then().statusCode(200)
                .body("data.status", equalTo("FAILED"))
                .body("data.last_error", equalTo("cancelled by an operator")));
        api().when().get("/api/v1/tasks/" + taskId).then().body("data.status", equalTo("STOP_FAILED"));
        int attempts = api().when().get("/api/v1/operations/" + op).then().extract().jsonPath().getInt("data.attempts");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> api()
                .when().get("/api/v1/operations/" + op).then()
                .body("data.status", equalTo("FAILED"))
                .body("data.attempts", equalTo(attempts)));
        api().when().post("/api/v1/operations/" + op + "/cancel").then().statusCode(409);
    }

    @Test
    void onlyTaskStopsCanBeCancelled() {
        String hostId = registerHost(TestPorts.freePort());
        String allocationId = allocate(hostId, "fltenant");
        String op = api().when().get("/api/v1/allocations/" + allocationId).then().extract().jsonPath()
                .getString("data.operation_id");
        api().when().post("/api/v1/operations/" + op + "/cancel")
                .then().statusCode(409)
                .body("message", containsString("only task.stop"));
    }

    static String registerTask(String hostId) {
        String taskId = "task-" + UUID.randomUUID().toString().substring(0, 8);
        api().body(Map.of("task_id", taskId, "host_id", hostId))
                .when().post("/api/v1/tasks")
                .then().statusCode(201)
                .body("data.status", equalTo("RUNNING"));
        api().body(Map.of("task_id", taskId, "host_id", hostId))
                .when().post("/api/v1/tasks")
                .then().statusCode(409);
        return taskId;
    }
}
