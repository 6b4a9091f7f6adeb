package io.fleetlink.controller.host;

import static io.fleetlink.support.ControllerApiClient.api;
import static io.fleetlink.support.ControllerFixtures.allocate;
import static io.fleetlink.support.ControllerFixtures.allocation;
import static io.fleetlink.support.ControllerFixtures.registerHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.FakeAgent;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Drain and undrain through the controller API: a drained host refuses new allocations with a 409
 * naming the reason, lets its current allocation run to release, and reports both changes by callback.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class HostDrainTest {

    static final Duration WAIT = Duration.ofSeconds(40);

    @BeforeAll
    static void receiverUp() {
        CallbackReceiver.start();
    }

    @Test
    void aDrainedHostFinishesItsAllocationButTakesNoNewOneUntilUndrained() {
        try (FakeAgent agent = new FakeAgent()) {
            agent.resetSshSucceeds("fltenant").cleanupSucceeds();
            String hostId = registerHost(agent.port());
            String running = allocate(hostId, "fltenant");
            awaitAllocation(running, "READY");

            api().body(Map.of("reason", "DIMM replacement, ticket OPS-42"))
                    .when().post("/api/v1/hosts/" + hostId + "/drain")
                    .then().statusCode(200)
                    .body("data.drained", equalTo(true))
                    .body("data.drain_reason", equalTo("DIMM replacement, ticket OPS-42"))
                    .body("data.drained_at", notNullValue())
                    .body("data.state", equalTo("ALLOCATED"));

            // The running allocation is untouched and is released as usual.
            api().when().get("/api/v1/allocations/" + running).then().body("data.status", equalTo("READY"));
            api().when().post("/api/v1/allocations/" + running + "/release").then().statusCode(202);
            awaitAllocation(running, "RELEASED");
            awaitHost(hostId, "AVAILABLE");

            // AVAILABLE but drained: a new allocation is a 409 naming the reason, and nothing was written.
            api().body(allocation(hostId, "fltenant")).when().post("/api/v1/allocations")
                    .then().statusCode(409)
                    .body("message", containsString("is drained (DIMM replacement, ticket OPS-42)"))
                    .body("message", containsString("/undrain"));
            api().when().get("/api/v1/allocations?host_id=" + hostId).then()
                    .body("data.size()", equalTo(1));
            api().when().get("/api/v1/hosts/" + hostId).then()
                    .body("data.state", equalTo("AVAILABLE"))
                    .body("data.drained", equalTo(true))
                    .body("data.allocation_id", nullValue());

            api().body(Map.of("reason", "DIMM replaced")).when().post("/api/v1/hosts/" + hostId + "/undrain")
                    .then().statusCode(200)
                    .body("data.drained", equalTo(false))
                    .body("data.drain_reason", nullValue());
            awaitAllocation(allocate(hostId, "fltenant"), "READY");

            await().atMost(WAIT).untilAsserted(() -> assertThat(hostEvents(hostId))
                    .extracting(e -> List.of(e.get("type"), e.get("status"), e.get("reason")))
                    .containsExactlyInAnyOrder(
                            List.of("host.drained", "ALLOCATED", "DIMM replacement, ticket OPS-42"),
                            List.of("host.undrained", "AVAILABLE", "DIMM replaced")));
        }
    }

    @Test
    void drainingTwiceReplacesTheReasonAndCallsBackOnce() {
        String hostId = registerHost(TestPorts.freePort());
        api().body(Map.of("reason", "first")).when().post("/api/v1/hosts/" + hostId + "/drain").then().statusCode(200);
        String since = api().when().get("/api/v1/hosts/" + hostId).then().extract().jsonPath().getString("data.drained_at");
        api().body(Map.of("reason", "second")).when().post("/api/v1/hosts/" + hostId + "/drain").then().statusCode(200)
                .body("data.drain_reason", equalTo("second"))
                .body("data.drained_at", equalTo(since));
        // Undraining a host that is not drained is a no-op without a callback.
        api().body(Map.of("reason", "back")).when().post("/api/v1/hosts/" + hostId + "/undrain").then().statusCode(200);
        api().body(Map.of("reason", "again")).when().post("/api/v1/hosts/" + hostId + "/undrain").then().statusCode(200)
                .body("data.drained", equalTo(false));
        await().atMost(WAIT).untilAsserted(() -> assertThat(hostEvents(hostId))
                .extracting(e -> e.get("type"))
                .containsExactlyInAnyOrder("host.drained", "host.undrained"));
        // A drained host can still be deregistered.
        api().body(Map.of("reason", "retire")).when().post("/api/v1/hosts/" + hostId + "/drain").then().statusCode(200);
        api().when().delete("/api/v1/hosts/" + hostId).then().statusCode(200);
    }

    @Test
    void badDrainRequestsAre400Or404() {
        api().body("{}").when().post("/api/v1/hosts/h1/drain").then().statusCode(400)
                .body("message", containsString("reason: must not be blank"));
        api().body(Map.of("reason", "x".repeat(501))).when().post("/api/v1/hosts/h1/drain").then().statusCode(400)
                .body("message", containsString("reason: size must be between"));
        api().body(Map.of("reason", "r")).when().post("/api/v1/hosts/-bad/undrain").then().statusCode(400)
                .body("message", containsString("host_id"));
        api().body(Map.of("reason", "r")).when().post("/api/v1/hosts/no-such-host/drain").then().statusCode(404)
                .body("message", containsString("not registered"));
    }

    private static List<Map<String, Object>> hostEvents(String hostId) {
        return CallbackReceiver.events().stream()
                .filter(e -> hostId.equals(e.get("host_id")))
                .filter(e -> String.valueOf(e.get("type")).startsWith("host."))
                .toList();
    }

    static void awaitAllocation(String allocationId, String status) {
        await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/allocations/" + allocationId)
                .then().statusCode(200)
                .body("data.status", equalTo(status)));
    }

    static void awaitHost(String hostId, String state) {
        await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/hosts/" + hostId)
                .then().statusCode(200)
                .body("data.state", equalTo(state)));
    }
}
