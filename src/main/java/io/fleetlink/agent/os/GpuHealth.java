package io.fleetlink.agent.os;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * The GPU health checks as a pure function: from what nvidia-smi answered, the inventory recorded
 * when the agent first saw the GPUs and the ECC baselines, a list of check results per GPU. Runs
 * nothing and writes nothing; {@code GpuScrubber} feeds it and keeps the state.
 */
public final class GpuHealth {

    public static final String PRESENT = "present";
    public static final String REMAPPED_ROWS = "remapped-rows";
    public static final String ECC = "ecc";
    public static final String THROTTLING = "throttling";
    public static final String PROCESSES = "processes";

    /** One check of one GPU. */
    public record Check(String name, boolean ok, String message) {
    }

    /** Every check of one GPU. */
    public record Gpu(int index, String uuid, List<Check> checks) {

        public boolean healthy() {
            return checks.stream().allMatch(Check::ok);
        }

        /** "GPU 3 GPU-…: message" for each failed check. */
        public List<String> failures() {
            return checks.stream()
                    .filter(check -> !check.ok())
                    .map(check -> label(index, uuid) + ": " + check.message())
                    .toList();
        }
    }

    /** A GPU as the inventory recorded it. */
    public record Recorded(int index, String uuid) {
    }

    /** What the probes answered; {@code owner} names the user of a pid (for messages), null when unknown. */
    public record Readings(NvidiaSmi.Answer<NvidiaSmi.HealthRow> health, NvidiaSmi.Answer<NvidiaSmi.RemapRow> remaps,
            NvidiaSmi.Answer<NvidiaSmi.ComputeApp> apps, IntFunction<String> owner) {
    }

    private GpuHealth() {
    }

    public static String label(int index, String uuid) {
        return "GPU " + index + " " + uuid;
    }

    /**
     * The checks of every GPU in the inventory and every GPU now present. When the health probe
     * itself failed, each recorded GPU fails {@code present} with the probe's error.
     */
    public static List<Gpu> evaluate(List<Recorded> inventory, Map<String, Long> eccBaseline, Readings readings) {
        List<Gpu> result = new ArrayList<>();
        if (!readings.health().ok()) {
            for (Recorded gpu : inventory) {
                result.add(new Gpu(gpu.index(), gpu.uuid(), List.of(new Check(PRESENT, false,
                        "not readable: " + readings.health().error()))));
            }
            return result;
        }
        Map<String, NvidiaSmi.HealthRow> present = new LinkedHashMap<>();
        readings.health().rows().forEach(row -> present.put(row.uuid(), row));
        for (Recorded gpu : inventory) {
            if (!present.containsKey(gpu.uuid())) {
                result.add(new Gpu(gpu.index(), gpu.uuid(), List.of(new Check(PRESENT, false,
                        "missing since the inventory was recorded"))));
            }
        }
        Map<String, Recorded> recorded = new HashMap<>();
        inventory.forEach(gpu -> recorded.put(gpu.uuid(), gpu));
        Map<String, NvidiaSmi.RemapRow> remaps = readings.remaps().rows().stream()
                .filter(row -> row.uuid() != null)
                .collect(Collectors.toMap(NvidiaSmi.RemapRow::uuid, row -> row, (a, b) -> a));
        for (NvidiaSmi.HealthRow row : present.values()) {
            List<Check> checks = new ArrayList<>();
            checks.add(recorded.isEmpty() || recorded.containsKey(row.uuid())
                    ? new Check(PRESENT, true, "present")
                    : new Check(PRESENT, false, "not in the inventory recorded when the agent first saw the GPUs "
                            + "(replaced? remove the state file to record the new inventory)"));
            checks.add(remapCheck(readings.remaps(), remaps.get(row.uuid())));
            checks.add(eccCheck(row, eccBaseline.get(row.uuid())));
            checks.add(throttleCheck(row));
            checks.add(processCheck(readings.apps(), row.uuid(), readings.owner()));
            result.add(new Gpu(row.index(), row.uuid(), List.copyOf(checks)));
        }
        result.sort(java.util.Comparator.comparingInt(Gpu::index));
        return result;
    }

    static Check remapCheck(NvidiaSmi.Answer<NvidiaSmi.RemapRow> answer, NvidiaSmi.RemapRow row) {
        if (!answer.ok()) {
            return new Check(REMAPPED_ROWS, false, "remapped rows not readable: " + answer.error());
        }
        if (row == null || (row.pending() == null && row.failure() == null)) {
            return new Check(REMAPPED_ROWS, true, "remapped rows not reported by this GPU");
        }
        if (Boolean.TRUE.equals(row.failure())) {
            return new Check(REMAPPED_ROWS, false, "a row remapping has failed (the GPU needs service)");
        }
        if (Boolean.TRUE.equals(row.pending())) {
            return new Check(REMAPPED_ROWS, false, "a row remapping is pending (reset the GPU to apply it)");
        }
        return new Check(REMAPPED_ROWS, true, "no pending or failed row remapping");
    }

    static Check eccCheck(NvidiaSmi.HealthRow row, Long baseline) {
        Long now = row.eccUncorrectedVolatile();
        if (now == null) {
            return new Check(ECC, true, "uncorrectable ECC errors not reported by this GPU");
        }
        if (baseline == null || now <= baseline) {
            return new Check(ECC, true, "no uncorrectable ECC errors since the baseline");
        }
        return new Check(ECC, false, (now - baseline) + " uncorrectable ECC errors since the baseline");
    }

    static Check throttleCheck(NvidiaSmi.HealthRow row) {
        List<String> active = row.throttle().entrySet().stream()
                .filter(entry -> Boolean.TRUE.equals(entry.getValue()))
                .map(Map.Entry::getKey)
                .toList();
        if (!active.isEmpty()) {
            return new Check(THROTTLING, false, "throttling active: " + String.join(", ", active));
        }
        boolean reported = row.throttle().values().stream().anyMatch(value -> value != null);
        return new Check(THROTTLING, true, reported ? "no hardware or thermal throttling" : "throttle reasons not reported");
    }

    static Check processCheck(NvidiaSmi.Answer<NvidiaSmi.ComputeApp> answer, String uuid, IntFunction<String> owner) {
        if (!answer.ok()) {
            return new Check(PROCESSES, false, "processes not readable: " + answer.error());
        }
        List<String> on = answer.rows().stream()
                .filter(app -> uuid.equals(app.gpuUuid()))
                .map(app -> "pid " + app.pid() + describeOwner(owner.apply(app.pid()))
                        + (app.usedMemoryMib() == null ? "" : ", " + app.usedMemoryMib() + " MiB"))
                .toList();
        if (on.isEmpty()) {
            return new Check(PROCESSES, true, "no process on the GPU");
        }
        return new Check(PROCESSES, false, on.size() + " processes still on the GPU (" + String.join("; ", on) + ")");
    }

    private static String describeOwner(String owner) {
        return owner == null ? "" : " of " + owner;
    }
}
