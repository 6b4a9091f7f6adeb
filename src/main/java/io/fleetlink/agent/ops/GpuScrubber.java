package io.fleetlink.agent.ops;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.os.GpuDiag;
import io.fleetlink.agent.os.GpuHealth;
import io.fleetlink.agent.os.KernelLog;
import io.fleetlink.agent.os.Xids;
import io.fleetlink.agent.os.GpuStateFile;
import io.fleetlink.agent.os.NvidiaSmi;
import io.fleetlink.agent.os.ProcFs;
import io.fleetlink.agent.os.ProcessInfo;
import io.fleetlink.agent.os.Signals;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.CheckGpuHealthResponse;
import io.fleetlink.protocol.CleanupMachineResponse.Step;
import io.fleetlink.protocol.CleanupStepType;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;

/**
 * The GPU health gate: the cleanup's gpu step (end the cleaned user's processes on the GPUs, reset
 * them if so configured, then check every GPU) and the checks alone. Keeps the inventory and the
 * baseline "since the allocation began" (ECC counts, kernel log position) in {@link GpuStateFile}; the
 * baseline moves whenever a gpu step passes, i.e. when the host goes back to the pool. Blocking.
 */
@ApplicationScoped
public class GpuScrubber {

    /** Counter: verdicts of the gpu step's checks, by check and outcome (pass, fail; skipped under check "all"). */
    public static final String CHECKS_METRIC = "fleetlink.gpu.checks";

    /**
     * The checks of every GPU, or why there are none to run; {@code next} is the state to keep if the host
     * now goes back to the pool (today's ECC counts and kernel log position as the new baseline).
     */
    public record Outcome(List<GpuHealth.Gpu> gpus, String skipped, String error, GpuStateFile.State next, String memoryInUse) {

        public Outcome(List<GpuHealth.Gpu> gpus, String skipped, String error) {
            this(gpus, skipped, error, null, null);
        }

        public boolean healthy() {
            return error == null && gpus.stream().allMatch(GpuHealth.Gpu::healthy);
        }
    }

    private final AgentConfig config;
    private final NvidiaSmi smi;
    private final KernelLog kernelLog;
    private final GpuDiag diag;
    private final ProcFs procFs;
    private final Signals signals;
    private final ProcessStopper stopper;
    private final MeterRegistry registry;

    @Inject
    public GpuScrubber(AgentConfig config, NvidiaSmi smi, KernelLog kernelLog, GpuDiag diag, ProcFs procFs, Signals signals,
            ProcessStopper stopper, MeterRegistry registry) {
        this.config = config;
        this.smi = smi;
        this.kernelLog = kernelLog;
        this.diag = diag;
        this.procFs = procFs;
        this.signals = signals;
        this.stopper = stopper;
        this.registry = registry;
    }

    /** Whether this machine has GPUs: nvidia-smi is installed and sees GPUs now or saw them before. */
    public boolean hasGpus() {
        if (!smi.installed()) {
            return false;
        }
        try {
            if (!GpuStateFile.read(stateDir()).inventory().isEmpty()) {
                return true;
            }
        } catch (IOException e) {
            return true; // a state file that cannot be read is for the step to report
        }
        return !smi.query().gpus().isEmpty();
    }

    /**
     * Records the inventory and the baseline (ECC counts, kernel log position) if none is recorded yet,
     * on a thread of its own so a hung nvidia-smi cannot hold up the agent's start; called once at start.
     * Without it, the first allocation after the agent is installed would be checked against a baseline
     * taken at its own release.
     */
    public void recordBaselineInBackground() {
        Thread thread = new Thread(() -> {
            try {
                if (!smi.installed()) {
                    return;
                }
                GpuStateFile.State state = GpuStateFile.read(stateDir());
                if (state.inventory().isEmpty() || (kernelLog.configured() && state.kernelLogSeq() == null)) {
                    Outcome outcome = check(true, false);
                    Log.infof("GPU health gate: %s", outcome.skipped() != null ? outcome.skipped()
                            : outcome.error() != null ? "no baseline recorded: " + outcome.error()
                                    : "inventory and baseline of " + outcome.gpus().size() + " GPUs recorded");
                }
            } catch (IOException | RuntimeException e) {
                Log.warnf("GPU health gate: no baseline recorded at start: %s", e.getMessage());
            }
        }, "fleetlink-gpu-baseline");
        thread.setDaemon(true);
        thread.start();
    }

    /** The cleanup's gpu step for {@code user}. */
    public Step cleanupStep(UserAccount user, boolean dryRun) {
        String type = CleanupStepType.GPU.wireName();
        if (!smi.installed()) {
            return new Step(type, true, "no GPUs on this machine (nvidia-smi not found), skipped", List.of());
        }
        NvidiaSmi.Answer<NvidiaSmi.ComputeApp> apps = smi.computeApps();
        if (apps.timedOut()) {
            // A hung nvidia-smi would hang every probe after it: fail now, within one deadline, naming
            // each GPU of the inventory (the quarantine reason then says which GPUs went unchecked).
            return new Step(type, false, unchecked(apps.error()), List.of());
        }
        List<ProcessInfo> doomed = new ArrayList<>();
        for (NvidiaSmi.ComputeApp app : apps.rows()) {
            procFs.stat(app.pid())
                    .filter(p -> p.uid() == user.uid() && signals.signallable(p))
                    .ifPresent(doomed::add);
        }
        List<String> ended = doomed.stream().map(p -> String.valueOf(p.pid())).distinct().toList();
        if (dryRun) {
            return new Step(type, true, "would end " + ended.size() + " processes of " + user.name() + " on the GPUs, "
                    + "then check every GPU", ended);
        }
        List<String> notes = new ArrayList<>();
        if (!doomed.isEmpty()) {
            try {
                List<Integer> signalled = stopper.end(doomed, config.cleanup().processGrace(),
                        "fleetlink.agent.cleanup.process-grace");
                notes.add("ended " + signalled.size() + " processes of " + user.name() + " on the GPUs");
            } catch (AgentException e) {
                // Still there after SIGKILL: said here, and the processes check below fails the step.
                notes.add(e.getMessage());
            }
        }
        if (config.gpu().reset() == AgentConfig.GpuReset.ON_RELEASE) {
            notes.addAll(resetIdle());
        }
        Outcome outcome = check(true, true);
        count(outcome);
        if (outcome.memoryInUse() != null) {
            notes.add("GPU memory in use after the free: " + outcome.memoryInUse());
        }
        if (outcome.healthy() && outcome.skipped() == null && outcome.next() != null) {
            try {
                // The host goes back to the pool: what happens from now on counts against the next allocation.
                GpuStateFile.write(stateDir(), outcome.next());
            } catch (IOException e) {
                return new Step(type, false, "cannot write " + stateDir().resolve(GpuStateFile.NAME)
                        + " (fleetlink.agent.gpu.state-dir), so the next allocation would have no baseline: " + e.getMessage(),
                        ended);
            }
        }
        return toStep(outcome, notes, ended);
    }

    /** "GPU 0 GPU-…: present: not readable: <why>" for each recorded GPU; "GPUs not checked: <why>" without an inventory. */
    private String unchecked(String why) {
        List<GpuHealth.Recorded> inventory;
        try {
            inventory = GpuStateFile.read(stateDir()).inventory();
        } catch (IOException e) {
            inventory = List.of();
        }
        if (inventory.isEmpty()) {
            return "GPUs not checked: " + why;
        }
        return inventory.stream()
                .map(gpu -> io.fleetlink.protocol.GpuChecks.failure(GpuHealth.label(gpu.index(), gpu.uuid()), GpuHealth.PRESENT,
                        "not readable: " + why))
                .collect(java.util.stream.Collectors.joining("; "));
    }

    private void count(Outcome outcome) {
        if (outcome.skipped() != null) {
            registry.counter(CHECKS_METRIC, "check", "all", "outcome", "skipped").increment();
            return;
        }
        for (GpuHealth.Gpu gpu : outcome.gpus()) {
            for (GpuHealth.Check check : gpu.checks()) {
                registry.counter(CHECKS_METRIC, "check", check.name(), "outcome", check.ok() ? "pass" : "fail").increment();
            }
        }
    }

    /** Resets every GPU no process uses; a GPU that is busy or refuses is noted and left to the checks. */
    private List<String> resetIdle() {
        List<String> notes = new ArrayList<>();
        NvidiaSmi.Answer<NvidiaSmi.HealthRow> health = smi.health();
        NvidiaSmi.Answer<NvidiaSmi.ComputeApp> apps = smi.computeApps();
        if (!health.ok() || !apps.ok()) {
            notes.add("no GPU reset: " + (health.ok() ? apps.error() : health.error()));
            return notes;
        }
        for (NvidiaSmi.HealthRow gpu : health.rows()) {
            boolean busy = apps.rows().stream().anyMatch(app -> gpu.uuid().equals(app.gpuUuid()));
            if (busy) {
                notes.add(GpuHealth.label(gpu.index(), gpu.uuid()) + " not reset (in use)");
                continue;
            }
            Optional<String> error = smi.reset(gpu.index());
            notes.add(GpuHealth.label(gpu.index(), gpu.uuid()) + (error.isEmpty() ? " reset" : " reset failed: " + error.get()));
        }
        return notes;
    }

    /**
     * CheckGpuHealth: every check but dcgmi's diagnostic (minutes of load on the GPUs; the gpu step runs it),
     * recording nothing (no inventory, no baseline), signalling nothing.
     */
    public CheckGpuHealthResponse health() {
        Outcome outcome = check(false);
        return new CheckGpuHealthResponse(outcome.healthy(),
                outcome.gpus().stream()
                        .map(gpu -> new CheckGpuHealthResponse.Gpu(gpu.index(), gpu.uuid(), gpu.healthy(),
                                gpu.checks().stream()
                                        .map(c -> new CheckGpuHealthResponse.Check(c.name(), c.ok(), c.message()))
                                        .toList()))
                        .toList(),
                outcome.skipped(), outcome.error());
    }

    /**
     * Runs every check but dcgmi's diagnostic (the gpu step's alone). With {@code record}, records the
     * inventory, a GPU's ECC baseline and the kernel log position where none is recorded yet; without,
     * writes nothing. No other side effect; the outcome's {@code next} is for the caller to keep.
     */
    public Outcome check(boolean record) {
        return check(record, false);
    }

    /** {@link #check(boolean)}, with dcgmi's diagnostic when {@code diagnose} and it is configured. */
    private Outcome check(boolean record, boolean diagnose) {
        if (!smi.installed()) {
            return new Outcome(List.of(), "no GPUs on this machine (nvidia-smi not found), skipped", null);
        }
        Path dir = stateDir();
        GpuStateFile.State state;
        try {
            state = GpuStateFile.read(dir);
        } catch (IOException e) {
            return new Outcome(List.of(), null, "cannot read " + dir.resolve(GpuStateFile.NAME) + " (fleetlink.agent.gpu.state-dir): "
                    + e.getMessage() + "; fix or remove it");
        }
        NvidiaSmi.Answer<NvidiaSmi.HealthRow> health = smi.health();
        if (state.inventory().isEmpty()) {
            if (!health.ok() && !health.timedOut()) {
                return new Outcome(List.of(), "no GPUs on this machine (" + health.error() + "), skipped", null);
            }
            if (health.ok() && health.rows().isEmpty()) {
                return new Outcome(List.of(), "no GPUs on this machine, skipped", null);
            }
        }
        if (!health.ok() && state.inventory().isEmpty()) {
            return new Outcome(List.of(), null, health.error());
        }
        GpuStateFile.State updated = state;
        if (health.ok() && state.inventory().isEmpty()) {
            updated = updated.withInventory(health.rows().stream()
                    .map(row -> new GpuHealth.Recorded(row.index(), row.uuid(), row.pciBusId()))
                    .toList());
        } else if (health.ok()) {
            updated = updated.withInventory(withPciAddresses(state.inventory(), health.rows()));
        }
        Map<String, Long> baseline = new HashMap<>(state.eccBaseline());
        health.rows().stream()
                .filter(row -> row.eccUncorrectedVolatile() != null && !baseline.containsKey(row.uuid()))
                .forEach(row -> baseline.put(row.uuid(), row.eccUncorrectedVolatile()));
        updated = updated.withBaseline(baseline);
        // The kernel log since the baseline's position; with no position yet, the position is now.
        NvidiaSmi.Answer<Xids.Event> xids = null;
        Long logEnd = state.kernelLogSeq();
        String boot = state.bootId();
        if (kernelLog.configured()) {
            boot = kernelLog.bootId();
            boolean positioned = state.kernelLogSeq() != null;
            // Sequence numbers restart at each boot: after a reboot, the whole of this boot's log is new.
            long after = !positioned ? Long.MAX_VALUE : java.util.Objects.equals(state.bootId(), boot) ? state.kernelLogSeq() : -1;
            KernelLog.Read read = kernelLog.read(after, Xids.MARKER);
            if (read.ok()) {
                xids = NvidiaSmi.Answer.of(read.entries().stream()
                        .flatMap(entry -> Xids.parse(entry).stream())
                        .toList());
                logEnd = read.lastSeq();
                if (!positioned) {
                    updated = updated.withKernelLog(read.lastSeq(), boot);
                }
            } else {
                xids = NvidiaSmi.Answer.failed(read.error(), read.timedOut());
            }
        }
        if (record && !updated.equals(state)) {
            try {
                GpuStateFile.write(dir, updated);
            } catch (IOException e) {
                return new Outcome(List.of(), null, "cannot write " + dir.resolve(GpuStateFile.NAME) + " (fleetlink.agent.gpu.state-dir): "
                        + e.getMessage());
            }
        }
        // Only the main probe's hang is worth skipping the others for: each has its own deadline.
        NvidiaSmi.Answer<NvidiaSmi.RemapRow> remaps = health.ok() ? smi.remappedRows() : NvidiaSmi.Answer.of(List.of());
        NvidiaSmi.Answer<NvidiaSmi.ComputeApp> apps = health.ok() ? smi.computeApps() : NvidiaSmi.Answer.of(List.of());
        // Only the gpu step runs dcgmi's diagnostic: it loads the GPUs for seconds to hours.
        GpuDiag.Result diagnosis = diagnose && health.ok() && config.gpu().diagLevel() > 0 && diag.installed()
                ? diag.run(config.gpu().diagLevel())
                : null;
        // Unrecorded, the GPUs present stand in for the inventory and today's ECC counts for the baseline.
        List<GpuHealth.Gpu> gpus = GpuHealth.evaluate(updated.inventory(), updated.eccBaseline(),
                new GpuHealth.Readings(health, remaps, apps, this::owner, xids, Set.copyOf(config.gpu().fatalXids()), diagnosis));
        Map<String, Long> eccNow = new HashMap<>(updated.eccBaseline());
        health.rows().stream()
                .filter(row -> row.eccUncorrectedVolatile() != null)
                .forEach(row -> eccNow.put(row.uuid(), row.eccUncorrectedVolatile()));
        GpuStateFile.State next = updated.withBaseline(eccNow)
                .withKernelLog(xids != null && xids.ok() ? logEnd : updated.kernelLogSeq(), xids != null && xids.ok() ? boot : updated.bootId());
        return new Outcome(gpus, null, null, next, memoryInUse(health));
    }

    /** "GPU 0 0 MiB, GPU 1 1024 MiB" from the health probe's {@code memory.used}; null when it did not answer. */
    private static String memoryInUse(NvidiaSmi.Answer<NvidiaSmi.HealthRow> health) {
        if (!health.ok() || health.rows().isEmpty()) {
            return null;
        }
        return health.rows().stream()
                .sorted(java.util.Comparator.comparingInt(NvidiaSmi.HealthRow::index))
                .map(row -> "GPU " + row.index() + " " + (row.memoryUsedMib() == null ? "not reported"
                        : row.memoryUsedMib() + " MiB"))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** The inventory with the PCI address of each GPU present filled in where it was not recorded. */
    private static List<GpuHealth.Recorded> withPciAddresses(List<GpuHealth.Recorded> inventory, List<NvidiaSmi.HealthRow> rows) {
        return inventory.stream()
                .map(gpu -> gpu.pciBusId() != null ? gpu : rows.stream()
                        .filter(row -> row.uuid().equals(gpu.uuid()) && row.pciBusId() != null)
                        .findFirst()
                        .map(row -> new GpuHealth.Recorded(gpu.index(), gpu.uuid(), row.pciBusId()))
                        .orElse(gpu))
                .toList();
    }

    private String owner(int pid) {
        return procFs.stat(pid)
                .map(p -> "uid " + p.uid())
                .orElse(null);
    }

    private static Step toStep(Outcome outcome, List<String> notes, List<String> ended) {
        String type = CleanupStepType.GPU.wireName();
        String prefix = notes.isEmpty() ? "" : String.join("; ", notes) + "; ";
        if (outcome.skipped() != null) {
            return new Step(type, true, prefix + outcome.skipped(), ended);
        }
        if (outcome.error() != null) {
            return new Step(type, false, prefix + outcome.error(), ended);
        }
        List<String> failures = outcome.gpus().stream()
                .flatMap(gpu -> gpu.failures().stream())
                .toList();
        if (!failures.isEmpty()) {
            Log.warnf("GPU health gate failed: %s", failures);
            return new Step(type, false, prefix + String.join("; ", failures), ended);
        }
        return new Step(type, true, prefix + "all " + outcome.gpus().size() + " GPUs present, free and healthy", ended);
    }

    private Path stateDir() {
        return Path.of(config.gpu().stateDir());
    }
}
