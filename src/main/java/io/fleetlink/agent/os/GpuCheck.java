package io.fleetlink.agent.os;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.fleetlink.config.AgentConfig;

/**
 * The GPU health gate's probes and parsers run once against this machine's real tools, without the
 * agent: {@code bench/gpu-check.sh} runs it on a GPU machine to validate the parsing against the real
 * {@code nvidia-smi} (the tests use a stand-in). It runs the exact queries the agent runs, prints what
 * the parsers made of each answer, then the checks' verdict with the GPUs present as the inventory and
 * today's ECC counts as the baseline. It changes nothing (no reset, no state file, no signal). Exit 0:
 * every probe answered and was understood (whatever the verdict); 1: one was not.
 *
 * <p>Arguments: {@code [nvidia-smi program] [kernel log source or none] [timeout seconds]}.
 */
public final class GpuCheck {

    private GpuCheck() {
    }

    public static void main(String[] args) {
        String program = args.length > 0 ? args[0] : "nvidia-smi";
        String kernelLogSource = args.length > 1 ? args[1] : "/dev/kmsg";
        Duration timeout = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 30);
        LinuxNvidiaSmi smi = new LinuxNvidiaSmi(new HostCommands(), program, timeout);
        boolean understood = true;

        NvidiaSmi.Report report = smi.query();
        System.out.println("== system info: devices (" + LinuxNvidiaSmi.COLUMNS.size() + " columns) and CUDA banner");
        report.gpus().forEach(gpu -> System.out.println("  " + gpu));
        System.out.println("  driver " + report.driverVersion() + ", CUDA " + report.cudaVersion()
                + (report.error() == null ? "" : ", ERROR " + report.error()));
        understood &= report.error() == null;

        NvidiaSmi.Answer<NvidiaSmi.HealthRow> health = smi.health();
        understood &= print("health readings", health);
        NvidiaSmi.Answer<NvidiaSmi.RemapRow> remaps = smi.remappedRows();
        understood &= print("remapped rows", remaps);
        NvidiaSmi.Answer<NvidiaSmi.ComputeApp> apps = smi.computeApps();
        understood &= print("compute apps", apps);

        NvidiaSmi.Answer<Xids.Event> xids = null;
        LinuxKernelLog kernelLog = new LinuxKernelLog(kernelLogSource, timeout);
        if (kernelLog.configured()) {
            KernelLog.Read read = kernelLog.read(-1, Xids.MARKER);
            xids = read.ok()
                    ? NvidiaSmi.Answer.of(read.entries().stream().flatMap(entry -> Xids.parse(entry).stream()).toList())
                    : NvidiaSmi.Answer.failed(read.error(), read.timedOut());
            understood &= print("Xids in the kernel log (" + kernelLogSource + ", last record " + read.lastSeq() + ")", xids);
        }

        Set<Integer> fatal = Arrays.stream(AgentConfig.Gpu.DEFAULT_FATAL_XIDS.split(","))
                .map(Integer::valueOf)
                .collect(Collectors.toUnmodifiableSet());
        List<GpuHealth.Recorded> inventory = health.rows().stream()
                .map(row -> new GpuHealth.Recorded(row.index(), row.uuid(), row.pciBusId()))
                .toList();
        Map<String, Long> baseline = new HashMap<>();
        health.rows().stream()
                .filter(row -> row.eccUncorrectedVolatile() != null)
                .forEach(row -> baseline.put(row.uuid(), row.eccUncorrectedVolatile()));
        System.out.println("== verdict (inventory: the GPUs present; ECC baseline: now; every Xid in the log counts)");
        for (GpuHealth.Gpu gpu : GpuHealth.evaluate(inventory, baseline,
                new GpuHealth.Readings(health, remaps, apps, pid -> null, xids, fatal, null))) {
            for (GpuHealth.Check check : gpu.checks()) {
                System.out.println("  " + GpuHealth.label(gpu.index(), gpu.uuid()) + ": " + check.name() + ": "
                        + (check.ok() ? "ok" : "FAIL") + ": " + check.message());
            }
        }
        System.out.println(understood ? "every probe answered and was understood" : "a probe failed or was not understood (see ERROR above)");
        System.exit(understood ? 0 : 1);
    }

    private static boolean print(String what, NvidiaSmi.Answer<?> answer) {
        System.out.println("== " + what);
        answer.rows().forEach(row -> System.out.println("  " + row));
        if (!answer.ok()) {
            System.out.println("  ERROR " + answer.error() + (answer.timedOut() ? " (timed out)" : ""));
        }
        return answer.ok();
    }
}
