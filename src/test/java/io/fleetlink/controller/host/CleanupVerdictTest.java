package io.fleetlink.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.GpuChecks;

/**
 * Every failure of the agent's gpu step, as the agent writes it, becomes a quarantine reason naming the
 * GPU and the check, its notes (processes ended, resets, memory in use) left out, classed
 * {@code gpu-<check>}. GpuGateEndToEndTest runs two of them through the whole release.
 */
class CleanupVerdictTest {

    private static final String NOTES = "ended 1 processes of alice on the GPUs; GPU 0 GPU-a reset; "
            + "GPU memory in use after the free: GPU 0 0 MiB, GPU 1 512 MiB; ";

    /** One failure line per check, worded as GpuHealth and GpuScrubber word them. */
    static List<Map.Entry<String, String>> failures() {
        return List.of(
                Map.entry(GpuChecks.PRESENT, "GPU 1 GPU-b: present: missing since the inventory was recorded"),
                Map.entry(GpuChecks.PRESENT, "GPU 0 GPU-a: present: not readable: nvidia-smi did not answer within 10000 ms "
                        + "(fleetlink.agent.gpu.timeout) [--query-compute-apps=pid,used_memory,gpu_uuid --format=csv,noheader,nounits]"),
                Map.entry(GpuChecks.REMAPPED_ROWS, "GPU 1 GPU-b: remapped-rows: a row remapping is pending (reset the GPU to apply it)"),
                Map.entry(GpuChecks.RETIRED_PAGES, "GPU 1 GPU-b: retired-pages: pages are pending retirement (reset the GPU or "
                        + "reload the driver to retire them)"),
                Map.entry(GpuChecks.ECC, "GPU 3 GPU-b: ecc: 2 uncorrectable ECC errors since the allocation began"),
                Map.entry(GpuChecks.ECC, "GPU 3 GPU-b: ecc: uncorrectable ECC errors not readable: nvidia-smi answered [Unknown Error]"),
                Map.entry(GpuChecks.THROTTLING, "GPU 1 GPU-b: throttling: throttling active: hw_power_brake_slowdown"),
                Map.entry(GpuChecks.PROCESSES, "GPU 1 GPU-b: processes: 1 processes still on the GPU (pid 4242 of uid 0, 512 MiB)"),
                Map.entry(GpuChecks.XID, "GPU 1 GPU-b: xid: fatal Xid 79 since the allocation began (PCI:0000:2a:00: 79, "
                        + "pid=1234, name=python, GPU has fallen off the bus.)"),
                Map.entry(GpuChecks.XID, "GPU 0 GPU-a: xid: kernel log not readable: the kernel log /dev/kmsg was not read "
                        + "within 10000 ms (fleetlink.agent.gpu.timeout)"),
                Map.entry(GpuChecks.XID, "GPU ? PCI:0000:c1:00: xid: fatal Xid 79 since the allocation began (PCI:0000:c1:00: 79, "
                        + "GPU has fallen off the bus.)"),
                Map.entry(GpuChecks.DIAG, "GPU 1 GPU-b: diag: dcgmi diag failed: Page Retirement/Row Remap (Fail - GPU: 1)"));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void eachFailedCheckIsTheReasonAndItsClass(Map.Entry<String, String> failure) {
        CleanupVerdict verdict = CleanupVerdict.of(CleanupMachineResponse.of(List.of(
                new CleanupMachineResponse.Step("process", true, "ended 0 processes", List.of()),
                new CleanupMachineResponse.Step("gpu", false, NOTES + failure.getValue(), List.of("4242")))));
        assertThat(verdict.isClean()).isFalse();
        assertThat(verdict.quarantineReason()).isEqualTo(failure.getValue());
        assertThat(verdict.reasonClass()).isEqualTo("gpu-" + failure.getKey());
    }
}
