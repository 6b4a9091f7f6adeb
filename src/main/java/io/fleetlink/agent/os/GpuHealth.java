package io.fleetlink.agent.os;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.fleetlink.protocol.GpuChecks;

/**
 * The GPU health checks as a pure function: from what nvidia-smi answered, the inventory recorded
 * when the agent first saw the GPUs and the ECC baselines, a list of check results per GPU. Runs
 * nothing and writes nothing; {@code GpuScrubber} feeds it and keeps the state.
 */
public final class GpuHealth {

    public static final String PRESENT = GpuChecks.PRESENT;
    public static final String REMAPPED_ROWS = GpuChecks.REMAPPED_ROWS;
    public static final String RETIRED_PAGES = GpuChecks.RETIRED_PAGES;
    public static final String ECC = GpuChecks.ECC;
    public static final String THROTTLING = GpuChecks.THROTTLING;
    public static final String PROCESSES = GpuChecks.PROCESSES;
    public static final String XID = GpuChecks.XID;
    public static final String DIAG = GpuChecks.DIAG;

    /** One check of one GPU. */
    public record Check(String name, boolean ok, String message) {
    }

    /** Every check of one GPU. */
    public record Gpu(int index, String uuid, List<Check> checks) {

        public boolean healthy() {
            return checks.stream().allMatch(Check::ok);
        }

        /** "GPU 3 GPU-…: ecc: message" for each failed check ({@link GpuChecks#failure}). */
        public List<String> failures() {
            return checks.stream()
                    .filter(check -> !check.ok())
                    .map(check -> GpuChecks.failure(label(index, uuid), check.name(), check.message()))
                    .toList();
        }
    }

    /** A GPU as the inventory recorded it; {@code pciBusId} ties a kernel Xid line to it once it is gone. */
    public record Recorded(@JsonProperty("index") int index, @JsonProperty("uuid") String uuid,
            @JsonProperty("pci_bus_id") String pciBusId) {

        public Recorded(int index, String uuid) {
            this(index, uuid, null);
        }
    }

    /**
     * What the probes answered; {@code owner} names the user of a pid (for messages), null when unknown.
     * {@code xids} are the Xids logged since the allocation began (null: no kernel log configured, no
     * Xid check), {@code fatalXids} the ones that fail a GPU; {@code diag} is dcgmi's verdict (null: not run).
     */
    public record Readings(NvidiaSmi.Answer<NvidiaSmi.HealthRow> health, NvidiaSmi.Answer<NvidiaSmi.RemapRow> remaps,
            NvidiaSmi.Answer<NvidiaSmi.ComputeApp> apps, IntFunction<String> owner, NvidiaSmi.Answer<Xids.Event> xids,
            Set<Integer> fatalXids, GpuDiag.Result diag) {

        public Readings(NvidiaSmi.Answer<NvidiaSmi.HealthRow> health, NvidiaSmi.Answer<NvidiaSmi.RemapRow> remaps,
                NvidiaSmi.Answer<NvidiaSmi.ComputeApp> apps, IntFunction<String> owner) {
            this(health, remaps, apps, owner, null, Set.of(), null);
        }
    }

    private GpuHealth() {
    }

    public static String label(int index, String uuid) {
        return index < 0 ? "GPU ? " + uuid : "GPU " + index + " " + uuid;
    }

    /**
     * The checks of every GPU in the inventory and every GPU now present. When the health probe
     * itself failed, each recorded GPU fails {@code present} with the probe's error.
     */
    public static List<Gpu> evaluate(List<Recorded> inventory, Map<String, Long> eccBaseline, Readings readings) {
        List<Gpu> result = new ArrayList<>();
        // The PCI address of every GPU, present or recorded, so an Xid names the GPU it is about.
        Map<String, String> uuidByPci = new HashMap<>();
        inventory.stream()
                .filter(gpu -> gpu.pciBusId() != null)
                .forEach(gpu -> uuidByPci.put(Xids.pci(gpu.pciBusId()), gpu.uuid()));
        readings.health().rows().stream()
                .filter(row -> row.pciBusId() != null)
                .forEach(row -> uuidByPci.put(Xids.pci(row.pciBusId()), row.uuid()));
        if (!readings.health().ok()) {
            for (Recorded gpu : inventory) {
                List<Check> checks = new ArrayList<>();
                checks.add(new Check(PRESENT, false, "not readable: " + readings.health().error()));
                xidCheck(readings, gpu.uuid(), uuidByPci).ifPresent(checks::add);
                result.add(new Gpu(gpu.index(), gpu.uuid(), List.copyOf(checks)));
            }
            result.addAll(unattributedXids(readings, uuidByPci));
            return result;
        }
        Map<String, NvidiaSmi.HealthRow> present = new LinkedHashMap<>();
        readings.health().rows().forEach(row -> present.put(row.uuid(), row));
        for (Recorded gpu : inventory) {
            if (!present.containsKey(gpu.uuid())) {
                List<Check> checks = new ArrayList<>();
                checks.add(new Check(PRESENT, false, "missing since the inventory was recorded"));
                xidCheck(readings, gpu.uuid(), uuidByPci).ifPresent(checks::add);
                result.add(new Gpu(gpu.index(), gpu.uuid(), List.copyOf(checks)));
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
            checks.add(retiredPagesCheck(row));
            checks.add(eccCheck(row, eccBaseline.get(row.uuid())));
            checks.add(throttleCheck(row));
            checks.add(processCheck(readings.apps(), row.uuid(), readings.owner()));
            xidCheck(readings, row.uuid(), uuidByPci).ifPresent(checks::add);
            diagCheck(readings.diag(), row.index()).ifPresent(checks::add);
            result.add(new Gpu(row.index(), row.uuid(), List.copyOf(checks)));
        }
        result.addAll(unattributedXids(readings, uuidByPci));
        result.sort(java.util.Comparator.comparingInt(Gpu::index));
        return result;
    }

    /** The Xid check of one GPU; empty when no kernel log is configured. */
    static Optional<Check> xidCheck(Readings readings, String uuid, Map<String, String> uuidByPci) {
        NvidiaSmi.Answer<Xids.Event> xids = readings.xids();
        if (xids == null) {
            return Optional.empty();
        }
        if (!xids.ok()) {
            return Optional.of(new Check(XID, false, "kernel log not readable: " + xids.error()));
        }
        List<Xids.Event> mine = xids.rows().stream()
                .filter(event -> uuid.equals(uuidByPci.get(event.pci())))
                .toList();
        return Optional.of(xidVerdict(mine, readings.fatalXids()));
    }

    private static Check xidVerdict(List<Xids.Event> events, Set<Integer> fatal) {
        List<Xids.Event> fatalEvents = events.stream().filter(event -> fatal.contains(event.xid())).toList();
        if (!fatalEvents.isEmpty()) {
            Xids.Event first = fatalEvents.get(0);
            String codes = fatalEvents.stream().map(event -> String.valueOf(event.xid())).distinct()
                    .collect(Collectors.joining(", "));
            return new Check(XID, false, (fatalEvents.size() == 1 ? "fatal Xid " : fatalEvents.size() + " fatal Xids (")
                    + codes + (fatalEvents.size() == 1 ? "" : ")") + " since the allocation began (PCI:" + first.pci() + ": "
                    + first.xid() + (first.detail().isEmpty() ? "" : ", " + first.detail()) + ")");
        }
        if (!events.isEmpty()) {
            return new Check(XID, true, events.size() + " non-fatal Xids since the allocation began ("
                    + events.stream().map(event -> String.valueOf(event.xid())).distinct().collect(Collectors.joining(", ")) + ")");
        }
        return new Check(XID, true, "no Xid since the allocation began");
    }

    /** A fatal Xid on a PCI address no GPU has (present or recorded) is still a failure, under its address. */
    private static List<Gpu> unattributedXids(Readings readings, Map<String, String> uuidByPci) {
        if (readings.xids() == null || !readings.xids().ok()) {
            return List.of();
        }
        Map<String, List<Xids.Event>> byPci = new LinkedHashMap<>();
        readings.xids().rows().stream()
                .filter(event -> !uuidByPci.containsKey(event.pci()) && readings.fatalXids().contains(event.xid()))
                .forEach(event -> byPci.computeIfAbsent(event.pci(), pci -> new ArrayList<>()).add(event));
        return byPci.entrySet().stream()
                .map(entry -> new Gpu(-1, "PCI:" + entry.getKey(), List.of(xidVerdict(entry.getValue(), readings.fatalXids()))))
                .toList();
    }

    /** dcgmi's verdict on one GPU: a failed test that names it, or names no GPU, fails it; empty when not run. */
    static Optional<Check> diagCheck(GpuDiag.Result diag, int index) {
        if (diag == null) {
            return Optional.empty();
        }
        if (diag.error() != null) {
            return Optional.of(new Check(DIAG, false, diag.error()));
        }
        List<String> failed = diag.failures().stream()
                .filter(failure -> failure.gpus().isEmpty() || failure.gpus().contains(index))
                .map(failure -> failure.test() + " (" + failure.detail() + ")")
                .toList();
        return Optional.of(failed.isEmpty()
                ? new Check(DIAG, true, "dcgmi diag passed")
                : new Check(DIAG, false, "dcgmi diag failed: " + String.join(", ", failed)));
    }

    static Check remapCheck(NvidiaSmi.Answer<NvidiaSmi.RemapRow> answer, NvidiaSmi.RemapRow row) {
        if (!answer.ok()) {
            return new Check(REMAPPED_ROWS, false, "remapped rows not readable: " + answer.error());
        }
        if (row != null && row.unreadable() != null) {
            return new Check(REMAPPED_ROWS, false, "remapped rows not readable: nvidia-smi answered " + row.unreadable());
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

    /**
     * Pages pending retirement ({@code retired_pages.pending}): GPUs before Ampere retire a page after a
     * double-bit or repeated single-bit ECC error, and a pending one is retired only at the next driver
     * load or reset. Ampere and later report {@code [N/A]} (they remap rows instead): not applicable, a pass.
     */
    static Check retiredPagesCheck(NvidiaSmi.HealthRow row) {
        String error = row.unreadable().get("retired_pages.pending");
        if (error != null) {
            return new Check(RETIRED_PAGES, false, "retired pages not readable: nvidia-smi answered " + error);
        }
        if (row.retiredPagesPending() == null) {
            return new Check(RETIRED_PAGES, true, "page retirement not applicable to this GPU (it remaps rows instead)");
        }
        return row.retiredPagesPending()
                ? new Check(RETIRED_PAGES, false, "pages are pending retirement (reset the GPU or reload the driver to retire them)")
                : new Check(RETIRED_PAGES, true, "no pages pending retirement");
    }

    static Check eccCheck(NvidiaSmi.HealthRow row, Long baseline) {
        String error = row.unreadable().get("ecc.errors.uncorrected.volatile.total");
        if (error != null) {
            return new Check(ECC, false, "uncorrectable ECC errors not readable: nvidia-smi answered " + error);
        }
        Long now = row.eccUncorrectedVolatile();
        if (now == null) {
            return new Check(ECC, true, "uncorrectable ECC errors not reported by this GPU");
        }
        if (baseline == null || now <= baseline) {
            return new Check(ECC, true, "no uncorrectable ECC errors since the allocation began");
        }
        return new Check(ECC, false, (now - baseline) + " uncorrectable ECC errors since the allocation began");
    }

    static Check throttleCheck(NvidiaSmi.HealthRow row) {
        List<String> active = row.throttle().entrySet().stream()
                .filter(entry -> Boolean.TRUE.equals(entry.getValue()))
                .map(Map.Entry::getKey)
                .toList();
        if (!active.isEmpty()) {
            return new Check(THROTTLING, false, "throttling active: " + String.join(", ", active));
        }
        if (row.unreadable().keySet().stream().anyMatch(row.throttle()::containsKey)) {
            return new Check(THROTTLING, false, "throttle reasons not readable: nvidia-smi answered "
                    + row.unreadable().entrySet().stream()
                            .filter(entry -> row.throttle().containsKey(entry.getKey()))
                            .map(entry -> entry.getKey() + " " + entry.getValue())
                            .collect(Collectors.joining(", ")));
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
