package io.fleetlink.controller.pipeline;

import static io.fleetlink.support.ControllerApiClient.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fleetlink.controller.host.CleanupVerdict;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.ControllerFixtures;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.FakeAgent;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The controller side of the GPU gate against agents that answer what the test says: an agent older
 * than the gpu step (asked again without it), and the quarantine reasons of failed steps. Same
 * resources as {@code AllocationPipelineTest}, so Quarkus starts once for both.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class GpuQuarantineTest {

    static final Duration WAIT = Duration.ofSeconds(40);

    @BeforeAll
    static void receiverUp() {
        CallbackReceiver.start();
    }

    @Test
    void anAgentThatDoesNotKnowTheGpuStepIsCleanedWithoutItAndTheHostGoesBackToThePool() {
        try (FakeAgent agent = new FakeAgent()) {
            agent.resetSshSucceeds("fltenant").cleanupWithoutGpuStep();
            String hostId = register(agent.port());
            String allocationId = allocate(hostId);
            api().when().post("/api/v1/allocations/" + allocationId + "/release").then().statusCode(202);
            awaitAllocation(allocationId, "RELEASED");
            api().when().get("/api/v1/hosts/" + hostId).then()
                    .body("data.state", equalTo("AVAILABLE"))
                    .body("data.quarantine_reason", nullValue());
            assertThat(agent.cleanupRequests(true)).isEqualTo(1);
            assertThat(agent.cleanupRequests(false)).isEqualTo(1);
        }
    }

    @Test
    void aFailedGpuCheckQuarantinesTheHostWithTheGpuAndCheckAndAManualCleanupClearsIt() {
        String failure = "GPU 3 GPU-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d: ecc: 2 uncorrectable ECC errors since the allocation began";
        try (FakeAgent agent = new FakeAgent()) {
            agent.resetSshSucceeds("fltenant").cleanupGpuCheckFails(failure);
            String hostId = register(agent.port());
            String allocationId = allocate(hostId);
            api().when().post("/api/v1/allocations/" + allocationId + "/release").then().statusCode(202);
            awaitAllocation(allocationId, "CLEANUP_FAILED");
            api().when().get("/api/v1/hosts/" + hostId).then()
                    .body("data.state", equalTo("QUARANTINED"))
                    .body("data.quarantine_reason", equalTo(failure));
            await().atMost(WAIT).untilAsserted(() -> assertThat(CallbackReceiver.eventsFor(allocationId))
                    .filteredOn(event -> "allocation.cleanup_failed".equals(event.get("type")))
                    .extracting(event -> event.get("quarantine_reason"))
                    .containsExactly(failure));

            agent.cleanupSucceeds();
            api().body(Map.of("user", "fltenant")).when().post("/api/v1/hosts/" + hostId + "/cleanup").then().statusCode(202);
            await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/hosts/" + hostId).then()
                    .body("data.state", equalTo("AVAILABLE"))
                    .body("data.quarantine_reason", nullValue()));
        }
    }

    @Test
    void anUnreachableAgentQuarantinesTheHostWithTheReason() {
        String hostId = "gpuq-" + UUID.randomUUID().toString().substring(0, 8);
        api().body(Map.of("host_id", hostId, "address", "127.0.0.1", "http_port", TestPorts.freePort()))
                .when().post("/api/v1/hosts").then().statusCode(201);
        api().body(Map.of("user", "fltenant")).when().post("/api/v1/hosts/" + hostId + "/cleanup").then().statusCode(202);
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> api().when().get("/api/v1/hosts/" + hostId).then()
                .body("data.state", equalTo("QUARANTINED"))
                .body("data.quarantine_reason", org.hamcrest.Matchers.startsWith("cleanup did not complete: ")));
    }

    @Test
    void theVerdictNamesTheGpuChecksFirstAndClassifiesByTheFirstOne() {
        CleanupMachineResponse response = CleanupMachineResponse.of(List.of(
                new CleanupMachineResponse.Step("process", true, "ok", List.of()),
                new CleanupMachineResponse.Step("gpu", false, "ended 1 processes of alice on the GPUs; GPU 0 GPU-a: "
                        + "throttling: throttling active: hw_slowdown; GPU 1 GPU-b: xid: fatal Xid 79 since the allocation "
                        + "began (PCI:0000:2a:00: 79, GPU has fallen off the bus.)", List.of()),
                new CleanupMachineResponse.Step("data", false, "cannot remove /scratch/alice/x: busy", List.of())));
        CleanupVerdict verdict = CleanupVerdict.of(response);
        assertThat(verdict.quarantineReason()).isEqualTo("GPU 0 GPU-a: throttling: throttling active: hw_slowdown; "
                + "GPU 1 GPU-b: xid: fatal Xid 79 since the allocation began (PCI:0000:2a:00: 79, GPU has fallen off the bus.); "
                + "data: cannot remove /scratch/alice/x: busy");
        assertThat(verdict.reasonClass()).isEqualTo("gpu-throttling");
        assertThat(CleanupVerdict.of(CleanupMachineResponse.of(List.of(
                new CleanupMachineResponse.Step("docker", false, "engine not answering", List.of())))).reasonClass())
                .isEqualTo("step-docker");
        assertThat(CleanupVerdict.of(CleanupMachineResponse.of(List.of())).isClean()).isTrue();
    }

    private static String register(int port) {
        String hostId = "gpuq-" + UUID.randomUUID().toString().substring(0, 8);
        api().body(Map.of("host_id", hostId, "address", "127.0.0.1", "http_port", port))
                .when().post("/api/v1/hosts").then().statusCode(201);
        return hostId;
    }

    private static String allocate(String hostId) {
        String allocationId = api().body(Map.of("host_id", hostId, "user", "fltenant", "ssh_public_keys",
                        List.of(ControllerFixtures.KEY)))
                .when().post("/api/v1/allocations").then().statusCode(202)
                .extract().jsonPath().getString("data.allocation_id");
        awaitAllocation(allocationId, "READY");
        return allocationId;
    }

    private static void awaitAllocation(String allocationId, String status) {
        await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/allocations/" + allocationId)
                .then().statusCode(200)
                .body("data.status", equalTo(status)));
    }
}
