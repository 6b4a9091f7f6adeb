package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@TestProfile(ExecEnabledProfile.class)
class SystemInfoTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;

    @Inject
    AgentConfig config;

    private Path fakeNvidiaSmi() {
        return Path.of(config.gpu().nvidiaSmi());
    }

    @AfterEach
    void restoreDriver() throws Exception {
        FakeNvidiaSmi.setNoDriver(fakeNvidiaSmi(), false);
    }

    @Test
    void httpReportsHostFactsAndGpusFromNvidiaSmi() throws Exception {
        JsonPath info = given().header("Authorization", BEARER)
                .when().get("/api/v1/system/info")
                .then().statusCode(200)
                .body("success", equalTo(true))
                .body("data.kernel", equalTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip()))
                .body("data.cpu.cores", greaterThan(0))
                .body("data.cpu.model", notNullValue())
                .body("data.gpus", hasSize(2))
                .body("data.gpus[0].index", equalTo(0))
                .body("data.gpus[0].uuid", equalTo(FakeNvidiaSmi.UUID_0))
                .body("data.gpus[0].name", equalTo("NVIDIA H100 80GB HBM3"))
                .body("data.gpus[0].memory_total_mib", equalTo(81559))
                .body("data.gpus[0].memory_used_mib", equalTo(1024))
                .body("data.gpus[0].utilization_percent", equalTo(37.0f))
                .body("data.gpus[0].temperature_c", equalTo(41.0f))
                .body("data.gpus[0].power_draw_w", equalTo(69.88f))
                .body("data.gpus[1].uuid", equalTo(FakeNvidiaSmi.UUID_1))
                .body("data.gpus[1].utilization_percent", nullValue())
                .body("data.gpus[1].power_draw_w", nullValue())
                .body("data.gpus[1].temperature_c", equalTo(35.0f))
                // What the GPU health gate reads; nvidia-smi's [N/A] is absent, not false or zero.
                .body("data.gpus[0].pci_bus_id", equalTo(FakeNvidiaSmi.PCI_0))
                .body("data.gpus[0].ecc_uncorrected_volatile", equalTo(0))
                .body("data.gpus[0].ecc_uncorrected_aggregate", equalTo(0))
                .body("data.gpus[0].persistence_mode", equalTo(true))
                .body("data.gpus[0].mig_enabled", equalTo(false))
                .body("data.gpus[0].throttle_reasons_active", hasSize(0))
                .body("data.gpus[0]", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("remapped_rows_pending")))
                .body("data.gpus[1].remapped_rows_pending", equalTo(false))
                .body("data.gpus[1].remapped_rows_failed", equalTo(false))
                .body("data.gpus[1].persistence_mode", equalTo(false))
                .body("data.gpus[1]", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("mig_enabled")))
                .body("data.gpu_driver_version", equalTo("550.54.15"))
                .body("data.cuda_version", equalTo("12.4"))
                .body("data.gpu_error", nullValue())
                .extract().jsonPath();

        assertThat(info.getString("data.host_id")).isNotBlank();
        assertThat(info.getString("data.hostname")).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
        assertThat(info.getString("data.os")).isNotBlank();
        assertThat(info.getString("data.arch")).isIn("x86_64", "aarch64");
        assertThat(info.getString("data.agent_version")).isNotBlank();
        assertThat(info.getLong("data.memory.total_bytes")).isPositive();
        assertThat(info.getLong("data.memory.available_bytes")).isBetween(1L, info.getLong("data.memory.total_bytes"));
        assertThat(info.getDouble("data.cpu.load_1m")).isGreaterThanOrEqualTo(0.0);
        Instant collected = Instant.parse(info.getString("data.collected_at"));
        assertThat(collected).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(1, ChronoUnit.MINUTES));
        assertThat(info.getString("data.collected_at")).endsWith("Z");
        // Every machine this suite runs on has a disk-backed file system (DisksTest relies on it too);
        // pseudo file systems are never reported as disks.
        assertThat(info.getList("data.disks")).isNotEmpty();
        assertThat(info.getList("data.disks.fs_type", String.class))
                .doesNotContain("proc", "sysfs", "tmpfs", "overlay", "cgroup", "cgroup2", "devtmpfs", "devpts");
        assertThat(info.getList("data.disks.mount_point", String.class)).doesNotHaveDuplicates();
        assertThat(info.getLong("data.disks[0].total_bytes")).isGreaterThan(0L);
        assertThat(info.getLong("data.disks[0].free_bytes")).isBetween(0L, info.getLong("data.disks[0].total_bytes"));
    }

    @Test
    void grpcReportsTheSameFacts() throws Exception {
        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.GetSystemInfoResponse info = grpc.authorized().getSystemInfo(AgentProto.GetSystemInfoRequest.getDefaultInstance());
            assertThat(info.getHostId()).isNotBlank();
            assertThat(info.getKernel()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
            assertThat(info.getCpu().getCores()).isPositive();
            assertThat(info.getMemory().getTotalBytes()).isPositive();
            assertThat(info.getGpusCount()).isEqualTo(2);
            AgentProto.GpuInfo first = info.getGpus(0);
            assertThat(first.getUuid()).isEqualTo(FakeNvidiaSmi.UUID_0);
            assertThat(first.getMemoryTotalMib()).isEqualTo(81559);
            assertThat(first.getPowerDrawW()).isEqualTo(69.88);
            AgentProto.GpuInfo second = info.getGpus(1);
            assertThat(second.hasUtilizationPercent()).isFalse();
            assertThat(second.hasPowerDrawW()).isFalse();
            assertThat(first.getPciBusId()).isEqualTo(FakeNvidiaSmi.PCI_0);
            assertThat(first.hasRemappedRowsPending()).as("[N/A]").isFalse();
            assertThat(second.hasRemappedRowsPending()).isTrue();
            assertThat(second.hasMigEnabled()).as("[N/A]").isFalse();
            assertThat(second.getEccUncorrectedVolatile()).isZero();
            assertThat(second.getThrottleReasonsActiveList()).isEmpty();
            assertThat(info.getGpuDriverVersion()).isEqualTo("550.54.15");
            assertThat(info.getCudaVersion()).isEqualTo("12.4");
            assertThat(info.getGpuError()).isEmpty();
        }
    }

    @Test
    void noDriverIsReportedNotFailed() throws Exception {
        FakeNvidiaSmi.setNoDriver(fakeNvidiaSmi(), true);

        given().header("Authorization", BEARER)
                .when().get("/api/v1/system/info")
                .then().statusCode(200)
                .body("data.gpus", hasSize(0))
                .body("data.gpu_driver_version", nullValue())
                .body("data.gpu_error", containsString("exited with 9"))
                .body("data.gpu_error", containsString(FakeNvidiaSmi.NO_DRIVER_MESSAGE))
                .body("data.cpu.cores", greaterThan(0));
        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.GetSystemInfoResponse info = grpc.authorized().getSystemInfo(AgentProto.GetSystemInfoRequest.getDefaultInstance());
            assertThat(info.getGpusCount()).isZero();
            assertThat(info.getGpuError()).contains(FakeNvidiaSmi.NO_DRIVER_MESSAGE);
        }
    }
}
