package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fleetlink.agent.FakeNvidiaSmi;

/** The GPU health checks as a pure function, the CSV parsing under them and the state file, without Quarkus. */
class GpuHealthTest {

    private static final String U0 = FakeNvidiaSmi.UUID_0;
    private static final String U1 = FakeNvidiaSmi.UUID_1;

    @TempDir
    Path dir;

    @Test
    void readsCountsWithAndWithoutUnitsAndNeverTurnsAPlaceholderIntoZero() {
        assertThat(LinuxNvidiaSmi.wholeOrNull("1024")).isEqualTo(1024L);
        assertThat(LinuxNvidiaSmi.wholeOrNull(" 1024 MiB")).isEqualTo(1024L);
        assertThat(LinuxNvidiaSmi.wholeOrNull("0")).isZero();
        assertThat(LinuxNvidiaSmi.wholeOrNull("[N/A]")).isNull();
        assertThat(LinuxNvidiaSmi.wholeOrNull("[Not Supported]")).isNull();
        assertThat(LinuxNvidiaSmi.flagOrNull("1")).isTrue();
        assertThat(LinuxNvidiaSmi.flagOrNull("No")).isFalse();
        assertThat(LinuxNvidiaSmi.flagOrNull("[N/A]")).isNull();
        assertThat(LinuxNvidiaSmi.flagOrNull("[Not Supported]")).isNull();
        assertThat(LinuxNvidiaSmi.activeOrNull("Active")).isTrue();
        assertThat(LinuxNvidiaSmi.activeOrNull("Not Active")).isFalse();
        assertThat(LinuxNvidiaSmi.activeOrNull("[Not Supported]")).isNull();
    }

    @Test
    void parsesAHealthRow() {
        NvidiaSmi.HealthRow row = LinuxNvidiaSmi.parseHealth(
                new String[] { "3", U1, "[N/A]", "Active", "Not Active", "[Not Supported]", "Not Active" });
        assertThat(row.index()).isEqualTo(3);
        assertThat(row.eccUncorrectedVolatile()).isNull();
        assertThat(row.throttle()).containsEntry("hw_slowdown", true).containsEntry("hw_thermal_slowdown", false)
                .containsEntry("hw_power_brake_slowdown", null);
    }

    @Test
    void aRowWithTheWrongColumnCountFailsTheProbe() {
        NvidiaSmi.Answer<NvidiaSmi.HealthRow> answer = LinuxNvidiaSmi.parseRows(
                NvidiaSmi.Answer.of(List.<String[]>of(new String[] { "0", U0 })), 7, LinuxNvidiaSmi::parseHealth);
        assertThat(answer.ok()).isFalse();
        assertThat(answer.error()).contains("expected 7 columns, got 2");
    }

    @Test
    void healthyGpusPassEveryCheck() {
        List<GpuHealth.Gpu> gpus = GpuHealth.evaluate(inventory(), Map.of(U0, 0L, U1, 0L), readings(
                List.of(row(0, U0, 0L, false), row(1, U1, 0L, false)), List.of(), List.of()));
        assertThat(gpus).hasSize(2).allMatch(GpuHealth.Gpu::healthy);
        assertThat(gpus.get(0).checks()).extracting(GpuHealth.Check::name)
                .containsExactly("present", "remapped-rows", "ecc", "throttling", "processes");
        assertThat(gpus.get(0).checks().get(1).message()).isEqualTo("remapped rows not reported by this GPU");
    }

    @Test
    void eachProblemFailsItsCheckWithTheGpuNamed() {
        List<GpuHealth.Gpu> gpus = GpuHealth.evaluate(inventory(), Map.of(U0, 1L), readings(
                List.of(row(0, U0, 3L, true)),
                List.of(new NvidiaSmi.RemapRow(U0, true, false)),
                List.of(new NvidiaSmi.ComputeApp(4242, 512L, U0))));
        List<String> failures = gpus.stream().flatMap(gpu -> gpu.failures().stream()).toList();
        assertThat(failures).containsExactly(
                "GPU 0 " + U0 + ": a row remapping is pending (reset the GPU to apply it)",
                "GPU 0 " + U0 + ": 2 uncorrectable ECC errors since the baseline",
                "GPU 0 " + U0 + ": throttling active: hw_slowdown",
                "GPU 0 " + U0 + ": 1 processes still on the GPU (pid 4242 of uid 1234, 512 MiB)",
                "GPU 1 " + U1 + ": missing since the inventory was recorded");
    }

    @Test
    void notReportedIsNeitherAFailureNorZero() {
        NvidiaSmi.HealthRow blind = new NvidiaSmi.HealthRow(0, U0, null, nulls());
        List<GpuHealth.Gpu> gpus = GpuHealth.evaluate(List.of(new GpuHealth.Recorded(0, U0)), Map.of(U0, 5L), readings(
                List.of(blind), List.of(new NvidiaSmi.RemapRow(U0, null, null)), List.of()));
        assertThat(gpus.get(0).healthy()).isTrue();
        assertThat(gpus.get(0).checks()).extracting(GpuHealth.Check::message).contains(
                "remapped rows not reported by this GPU", "uncorrectable ECC errors not reported by this GPU",
                "throttle reasons not reported");
    }

    @Test
    void aFailedProbeFailsEveryRecordedGpu() {
        GpuHealth.Readings hung = new GpuHealth.Readings(NvidiaSmi.Answer.failed("nvidia-smi did not answer within 300 ms", true),
                NvidiaSmi.Answer.of(List.of()), NvidiaSmi.Answer.of(List.of()), pid -> null);
        List<GpuHealth.Gpu> gpus = GpuHealth.evaluate(inventory(), Map.of(), hung);
        assertThat(gpus).hasSize(2).noneMatch(GpuHealth.Gpu::healthy);
        assertThat(gpus.get(1).failures()).containsExactly("GPU 1 " + U1 + ": not readable: nvidia-smi did not answer within 300 ms");
    }

    @Test
    void theStateFileRoundTripsAndLeavesNoTempFile() throws Exception {
        assertThat(GpuStateFile.read(dir)).isEqualTo(GpuStateFile.EMPTY);
        GpuStateFile.State state = new GpuStateFile.State(inventory(), Map.of(U0, 0L, U1, 7L));
        GpuStateFile.write(dir.resolve("sub"), state);
        assertThat(GpuStateFile.read(dir.resolve("sub"))).isEqualTo(state);
        try (var files = Files.list(dir.resolve("sub"))) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly(GpuStateFile.NAME);
        }
        assertThat(Files.readString(dir.resolve("sub").resolve(GpuStateFile.NAME))).contains("\"ecc_baseline\"", "\"inventory\"");
    }

    @Test
    void theProbesReadTheFakeProgramAndFallBackToOldThrottleNames() throws Exception {
        Path script = FakeNvidiaSmi.install(dir);
        LinuxNvidiaSmi smi = new LinuxNvidiaSmi(new HostCommands(), script.toString(), Duration.ofSeconds(5));
        NvidiaSmi.Answer<NvidiaSmi.HealthRow> health = smi.health();
        assertThat(health.error()).isNull();
        assertThat(health.rows()).extracting(NvidiaSmi.HealthRow::uuid).containsExactly(U0, U1);
        assertThat(smi.remappedRows().rows()).containsExactly(new NvidiaSmi.RemapRow(U0, null, null),
                new NvidiaSmi.RemapRow(U1, false, false));
        assertThat(smi.computeApps().rows()).isEmpty();

        FakeNvidiaSmi.set(script, "old-driver", "");
        FakeNvidiaSmi.set(script, "throttle", "hw_thermal_slowdown");
        health = smi.health();
        assertThat(health.error()).isNull();
        assertThat(health.rows().get(1).throttle()).containsEntry("hw_thermal_slowdown", true);
    }

    @Test
    void aHungProbeFailsWithinItsDeadline() throws Exception {
        Path script = FakeNvidiaSmi.install(dir);
        FakeNvidiaSmi.set(script, "mode", "hang");
        LinuxNvidiaSmi smi = new LinuxNvidiaSmi(new HostCommands(), script.toString(), Duration.ofMillis(500));
        long started = System.nanoTime();
        NvidiaSmi.Answer<NvidiaSmi.RemapRow> answer = smi.remappedRows();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(answer.timedOut()).isTrue();
        assertThat(answer.error()).contains("did not answer within 500 ms");
    }

    private static List<GpuHealth.Recorded> inventory() {
        return List.of(new GpuHealth.Recorded(0, U0), new GpuHealth.Recorded(1, U1));
    }

    private static GpuHealth.Readings readings(List<NvidiaSmi.HealthRow> health, List<NvidiaSmi.RemapRow> remaps,
            List<NvidiaSmi.ComputeApp> apps) {
        return new GpuHealth.Readings(NvidiaSmi.Answer.of(health), NvidiaSmi.Answer.of(remaps), NvidiaSmi.Answer.of(apps),
                pid -> "uid 1234");
    }

    private static NvidiaSmi.HealthRow row(int index, String uuid, Long ecc, boolean slowdown) {
        Map<String, Boolean> throttle = new LinkedHashMap<>();
        LinuxNvidiaSmi.THROTTLE_REASONS.forEach(reason -> throttle.put(reason, false));
        throttle.put("hw_slowdown", slowdown);
        return new NvidiaSmi.HealthRow(index, uuid, ecc, throttle);
    }

    private static Map<String, Boolean> nulls() {
        Map<String, Boolean> throttle = new LinkedHashMap<>();
        LinuxNvidiaSmi.THROTTLE_REASONS.forEach(reason -> throttle.put(reason, null));
        return throttle;
    }
}
