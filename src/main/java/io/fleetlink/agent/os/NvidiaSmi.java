package io.fleetlink.agent.os;

import java.util.List;

/**
 * The seam over the machine's GPU tooling that GetSystemInfo uses: the GPUs and driver as
 * {@code nvidia-smi} reports them. {@link LinuxNvidiaSmi} runs the real program; tests stand a fake
 * program in for it ({@code FakeNvidiaSmi}), since no test machine has the GPUs. Blocking.
 */
public interface NvidiaSmi {

    /** One GPU; the optional readings are null where nvidia-smi has none ({@code [N/A]}, {@code [Not Supported]}). */
    record Gpu(int index, String uuid, String name, long memoryTotalMib, long memoryUsedMib,
            Double utilizationPercent, Double temperatureC, Double powerDrawW) {
    }

    /** What nvidia-smi said; {@code error} says why {@code gpus} is empty or incomplete, null when all went well. */
    record Report(List<Gpu> gpus, String driverVersion, String cudaVersion, String error) {

        public static Report failed(String error) {
            return new Report(List.of(), null, null, error);
        }
    }

    /** The GPUs now; never throws for a missing program or driver, the report's {@code error} says so. */
    Report query();
}
