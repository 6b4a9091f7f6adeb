package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxNvidiaSmiTest {

    @TempDir
    Path dir;

    @Test
    void parsesAFullRow() {
        NvidiaSmi.Gpu gpu = LinuxNvidiaSmi.parseGpu(LinuxNvidiaSmi.splitRow(
                "0, GPU-5c3b1c2e-8f0a-4c51-9d62-1f8e7a2b3c40, NVIDIA H100 80GB HBM3, 81559, 1024, 37, 41, 69.88, 550.54.15"));
        assertThat(gpu).isEqualTo(new NvidiaSmi.Gpu(0, "GPU-5c3b1c2e-8f0a-4c51-9d62-1f8e7a2b3c40", "NVIDIA H100 80GB HBM3",
                81559, 1024, 37.0, 41.0, 69.88));
    }

    @Test
    void placeholdersBecomeNull() {
        NvidiaSmi.Gpu gpu = LinuxNvidiaSmi.parseGpu(LinuxNvidiaSmi.splitRow(
                "3, GPU-x, Tesla T4, 15360, [N/A], [Not Supported], [Unknown Error], [N/A], 535.104.05"));
        assertThat(gpu.index()).isEqualTo(3);
        assertThat(gpu.memoryUsedMib()).isZero();
        assertThat(gpu.utilizationPercent()).isNull();
        assertThat(gpu.temperatureC()).isNull();
        assertThat(gpu.powerDrawW()).isNull();
    }

    @Test
    void aNameWithCommasIsKeptWhole() {
        String[] fields = LinuxNvidiaSmi.splitRow("1, GPU-y, Odd, Name, With Commas, 100, 1, 2, 3, 4.5, 550.1");
        assertThat(fields[2]).isEqualTo("Odd, Name, With Commas");
        assertThat(fields[3]).isEqualTo("100");
        assertThat(fields[8]).isEqualTo("550.1");
    }

    @Test
    void shortOrBrokenRowsAreRejected() {
        assertThatThrownBy(() -> LinuxNvidiaSmi.splitRow("0, GPU-x, H100"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 9 columns");
        assertThatThrownBy(() -> LinuxNvidiaSmi.parseGpu(LinuxNvidiaSmi.splitRow("x, GPU-x, H100, 1, 1, 1, 1, 1, 1")))
                .hasMessageContaining("index 'x'");
    }

    @Test
    void readsCudaVersionFromTheBanner() {
        assertThat(LinuxNvidiaSmi.parseCudaVersion(
                "| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |"))
                .contains("12.4");
        assertThat(LinuxNvidiaSmi.parseCudaVersion("no banner here")).isEmpty();
    }

    @Test
    void missingProgramIsReportedNotThrown() {
        NvidiaSmi.Report byPath = new LinuxNvidiaSmi(new HostCommands(), dir.resolve("nvidia-smi").toString(), Duration.ofSeconds(5)).query();
        assertThat(byPath.gpus()).isEmpty();
        assertThat(byPath.error()).startsWith("nvidia-smi not found (").contains("is not an executable file");

        NvidiaSmi.Report byName = new LinuxNvidiaSmi(new HostCommands(), "nvidia-smi-fl-absent", Duration.ofSeconds(5)).query();
        assertThat(byName.error()).startsWith("nvidia-smi not found (").contains("on the agent's PATH");
    }

    @Test
    void aHangingProgramIsCutOffAtTheTimeout() throws Exception {
        Path script = dir.resolve("nvidia-smi");
        Files.writeString(script, "#!/bin/sh\nexec sleep 30\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        long started = System.nanoTime();
        NvidiaSmi.Report report = new LinuxNvidiaSmi(new HostCommands(), script.toString(), Duration.ofMillis(300)).query();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(report.gpus()).isEmpty();
        assertThat(report.error()).contains("did not answer within 300 ms").contains("fleetlink.agent.gpu.timeout");
    }
}
