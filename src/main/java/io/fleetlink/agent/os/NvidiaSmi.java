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

    /** Whether the program is installed at all; a machine without it has no GPUs the agent can see. */
    boolean installed();

    /**
     * The health readings of one GPU; a null reading is one nvidia-smi does not report
     * ({@code [N/A]}, {@code [Not Supported]}), never zero. {@code throttle} maps a reason
     * ({@code hw_slowdown}, ...) to whether it is active, null where not reported. {@code pciBusId} is
     * nvidia-smi's {@code pci.bus_id} ({@code 00000000:18:00.0}), which kernel Xid lines name the GPU by.
     * {@code retiredPagesPending} is {@code retired_pages.pending} (pages wait for retirement; pre-Ampere
     * GPUs only, null on Ampere and later, which remap rows instead). {@code unreadable} maps a field
     * nvidia-smi answered with an error instead of a value ({@code [Unknown Error]}, {@code [GPU is lost]})
     * to that answer: not the same as "not reported", and a check that reads the field fails on it.
     */
    record HealthRow(int index, String uuid, String pciBusId, Long eccUncorrectedVolatile, Long eccUncorrectedAggregate,
            Boolean persistenceMode, Boolean migEnabled, java.util.Map<String, Boolean> throttle, Long memoryUsedMib,
            Boolean retiredPagesPending, java.util.Map<String, String> unreadable) {

        public HealthRow(int index, String uuid, String pciBusId, Long eccUncorrectedVolatile, Long eccUncorrectedAggregate,
                Boolean persistenceMode, Boolean migEnabled, java.util.Map<String, Boolean> throttle) {
            this(index, uuid, pciBusId, eccUncorrectedVolatile, eccUncorrectedAggregate, persistenceMode, migEnabled, throttle,
                    null, null, java.util.Map.of());
        }

        /** The readings the checks use, with no PCI address and none of the informational ones. */
        public HealthRow(int index, String uuid, Long eccUncorrectedVolatile, java.util.Map<String, Boolean> throttle) {
            this(index, uuid, null, eccUncorrectedVolatile, null, null, null, throttle);
        }

        /** The throttle reasons reported active, in the order they were asked for. */
        public java.util.List<String> activeThrottleReasons() {
            return throttle.entrySet().stream()
                    .filter(entry -> Boolean.TRUE.equals(entry.getValue()))
                    .map(java.util.Map.Entry::getKey)
                    .toList();
        }
    }

    /**
     * Row remapping of one GPU (Ampere and later); null where not reported. {@code unreadable} is the
     * error nvidia-smi answered instead of a value ({@code [Unknown Error]}), null when there was none.
     */
    record RemapRow(String uuid, Boolean pending, Boolean failure, String unreadable) {

        public RemapRow(String uuid, Boolean pending, Boolean failure) {
            this(uuid, pending, failure, null);
        }
    }

    /** One process with a compute context on a GPU. */
    record ComputeApp(int pid, Long usedMemoryMib, String gpuUuid) {
    }

    /**
     * The rows of one probe, or why there are none: {@code error} is non-null when the probe failed,
     * {@code timedOut} when it did not answer within {@code fleetlink.agent.gpu.timeout}.
     */
    record Answer<T>(List<T> rows, String error, boolean timedOut) {

        public static <T> Answer<T> of(List<T> rows) {
            return new Answer<>(List.copyOf(rows), null, false);
        }

        public static <T> Answer<T> failed(String error, boolean timedOut) {
            return new Answer<>(List.of(), error, timedOut);
        }

        public boolean ok() {
            return error == null;
        }
    }

    /** ECC and throttle readings of every GPU, one child process with a hard deadline. */
    Answer<HealthRow> health();

    /** Pending and failed row remappings of every GPU, one child process with a hard deadline. */
    Answer<RemapRow> remappedRows();

    /** The processes using a GPU, one child process with a hard deadline. */
    Answer<ComputeApp> computeApps();

    /** {@code nvidia-smi --gpu-reset -i index}; the error, or empty when the reset went through. Blocking. */
    java.util.Optional<String> reset(int index);
}
