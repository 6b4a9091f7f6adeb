package io.fleetlink.controller;

import static io.fleetlink.support.ControllerApiClient.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.fleetlink.agent.FakeNvidiaSmi;
import io.fleetlink.controller.host.QuarantineMetrics;
import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.ControllerFixtures;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestPorts;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The GPU health gate through the controller, with the real local agent over the fake nvidia-smi and
 * kernel log: a healthy release makes the host AVAILABLE; a GPU that goes bad during the allocation
 * makes it QUARANTINED with a reason naming the GPU and the check (host, callback, metrics), until a
 * manual cleanup finds it healthy again.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
@TestProfile(HostOpsProfile.class) // same profile and resources as ControllerEndToEndTest: one Quarkus start
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuGateEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final String U1 = FakeNvidiaSmi.UUID_1;

    @Inject
    MeterRegistry registry;

    private TestUser user;

    @BeforeAll
    void tenant() {
        CallbackReceiver.start();
        RealParts.requireRoot();
        user = TestUsers.create();
    }

    @AfterAll
    void noTenant() {
        TestUsers.delete(user);
    }

    @BeforeEach
    @AfterEach
    void healthyGpus() throws Exception {
        FakeNvidiaSmi.reset(fake());
        TestUsers.killAll(user);
    }

    @Test
    void aHealthyReleaseLeavesTheHostAvailableWithNoReason() {
        String hostId = onboard("gpu-ok-");
        String allocationId = allocate(hostId);
        release(allocationId, "RELEASED");
        api().when().get("/api/v1/hosts/" + hostId).then()
                .body("data.state", equalTo("AVAILABLE"))
                .body("data.quarantine_reason", nullValue());
        JsonPath health = api().when().get("/api/v1/hosts/" + hostId + "/gpu-health").then().statusCode(200)
                .extract().jsonPath();
        assertThat(health.getBoolean("data.healthy")).isTrue();
        assertThat(health.getList("data.gpus[1].checks.name", String.class))
                .containsExactly("present", "remapped-rows", "retired-pages", "ecc", "throttling", "processes", "xid");
    }

    @Test
    void uncorrectableEccErrorsDuringTheAllocationQuarantineTheHostUntilAManualCleanupFindsItHealthy() throws Exception {
        String hostId = onboard("gpu-ecc-");
        String allocationId = allocate(hostId);
        double before = quarantined("gpu-ecc");
        FakeNvidiaSmi.set(fake(), "ecc", "2");

        release(allocationId, "CLEANUP_FAILED");
        String reason = "GPU 1 " + U1 + ": ecc: 2 uncorrectable ECC errors since the allocation began";
        api().when().get("/api/v1/hosts/" + hostId).then()
                .body("data.state", equalTo("QUARANTINED"))
                .body("data.quarantine_reason", equalTo(reason));
        await().atMost(WAIT).untilAsserted(() -> assertThat(CallbackReceiver.eventsFor(allocationId))
                .filteredOn(event -> "allocation.cleanup_failed".equals(event.get("type")))
                .extracting(event -> event.get("quarantine_reason"))
                .containsExactly(reason));
        assertThat(quarantined("gpu-ecc")).isEqualTo(before + 1);
        JsonPath health = api().when().get("/api/v1/hosts/" + hostId + "/gpu-health").then().statusCode(200)
                .extract().jsonPath();
        assertThat(health.getBoolean("data.healthy")).isFalse();
        assertThat(health.getString("data.gpus[1].checks.find { it.name == 'ecc' }.message"))
                .isEqualTo("2 uncorrectable ECC errors since the allocation began");

        // A cleanup while the GPU still shows the errors keeps it out of the pool.
        cleanup(hostId, "QUARANTINED");
        // The GPU was reset (volatile counts back to 0): a manual cleanup frees the host and clears the reason.
        FakeNvidiaSmi.reset(fake());
        cleanup(hostId, "AVAILABLE");
        api().when().get("/api/v1/hosts/" + hostId).then().body("data.quarantine_reason", nullValue());
    }

    @Test
    void aGpuThatFellOffTheBusQuarantinesTheHostNamingItsXid() throws Exception {
        String hostId = onboard("gpu-xid-");
        String allocationId = allocate(hostId);
        FakeNvidiaSmi.set(fake(), "gone", "");
        FakeNvidiaSmi.logXid(fake(), FakeNvidiaSmi.PCI_1, 79, "pid=4242, name=python3, GPU has fallen off the bus.");

        release(allocationId, "CLEANUP_FAILED");
        api().when().get("/api/v1/hosts/" + hostId).then()
                .body("data.state", equalTo("QUARANTINED"))
                .body("data.quarantine_reason", equalTo("GPU 1 " + U1 + ": present: missing since the inventory was "
                        + "recorded; GPU 1 " + U1 + ": xid: fatal Xid 79 since the allocation began (PCI:0000:2a:00: 79, "
                        + "pid=4242, name=python3, GPU has fallen off the bus.)"));
        FakeNvidiaSmi.reset(fake());
        cleanup(hostId, "AVAILABLE");
    }

    @Test
    void pagesPendingRetirementQuarantineTheHostNamingTheCheck() throws Exception {
        FakeNvidiaSmi.set(fake(), "retired", "none"); // GPUs that retire pages (before Ampere), none pending
        String hostId = onboard("gpu-pages-");
        String allocationId = allocate(hostId);
        double before = quarantined("gpu-retired-pages");
        FakeNvidiaSmi.set(fake(), "retired", "pending");

        release(allocationId, "CLEANUP_FAILED");
        api().when().get("/api/v1/hosts/" + hostId).then()
                .body("data.state", equalTo("QUARANTINED"))
                .body("data.quarantine_reason", equalTo("GPU 1 " + U1 + ": retired-pages: pages are pending retirement "
                        + "(reset the GPU or reload the driver to retire them)"));
        assertThat(quarantined("gpu-retired-pages")).isEqualTo(before + 1);
        FakeNvidiaSmi.reset(fake());
        cleanup(hostId, "AVAILABLE");
    }

    @Test
    void aHungNvidiaSmiQuarantinesTheHostNamingEachGpuItCouldNotCheck() throws Exception {
        String hostId = onboard("gpu-hang-");
        String allocationId = allocate(hostId);
        FakeNvidiaSmi.set(fake(), "mode", "hang");

        release(allocationId, "CLEANUP_FAILED");
        String reason = api().when().get("/api/v1/hosts/" + hostId).then()
                .body("data.state", equalTo("QUARANTINED"))
                .extract().jsonPath().getString("data.quarantine_reason");
        assertThat(reason).startsWith("GPU 0 " + FakeNvidiaSmi.UUID_0 + ": present: not readable: nvidia-smi did not answer within ")
                .contains("; GPU 1 " + U1 + ": present: not readable: nvidia-smi did not answer within ");
        FakeNvidiaSmi.reset(fake());
        cleanup(hostId, "AVAILABLE");
    }

    /** Registers the local agent under a new id and runs one cleanup, as an operator onboarding a host would. */
    private String onboard(String prefix) {
        String hostId = prefix + user.name();
        api().body(Map.of("host_id", hostId, "address", "127.0.0.1", "http_port", TestPorts.httpPort()))
                .when().post("/api/v1/hosts").then().statusCode(201);
        cleanup(hostId, "AVAILABLE");
        return hostId;
    }

    private String allocate(String hostId) {
        String allocationId = api().body(Map.of("host_id", hostId, "user", user.name(), "ssh_public_keys",
                        List.of(ControllerFixtures.KEY)))
                .when().post("/api/v1/allocations").then().statusCode(202)
                .extract().jsonPath().getString("data.allocation_id");
        awaitAllocation(allocationId, "READY");
        return allocationId;
    }

    private void release(String allocationId, String status) {
        api().when().post("/api/v1/allocations/" + allocationId + "/release").then().statusCode(202);
        awaitAllocation(allocationId, status);
    }

    private void cleanup(String hostId, String state) {
        String operationId = api().body(Map.of("user", user.name())).when().post("/api/v1/hosts/" + hostId + "/cleanup")
                .then().statusCode(202)
                .extract().jsonPath().getString("data.operation_id");
        await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/operations/" + operationId).then()
                .body("data.status", org.hamcrest.Matchers.oneOf("SUCCEEDED", "FAILED")));
        api().when().get("/api/v1/hosts/" + hostId).then().body("data.state", equalTo(state));
    }

    private double quarantined(String reasonClass) {
        var counter = registry.find(QuarantineMetrics.QUARANTINED).tag("reason", reasonClass).counter();
        return counter == null ? 0 : counter.count();
    }

    private static void awaitAllocation(String allocationId, String status) {
        await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/allocations/" + allocationId)
                .then().statusCode(200)
                .body("data.status", equalTo(status)));
    }

    private static Path fake() {
        return Path.of(ConfigProvider.getConfig().getValue("fleetlink.agent.gpu.nvidia-smi", String.class));
    }
}
