package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fleetlink.agent.FakeNvidiaSmi;
import io.fleetlink.protocol.GpuChecks;

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
                new String[] { "3", U1, "00000000:2A:00.0", "[N/A]", "[Not Supported]", "Enabled", "[N/A]", "1024", "[N/A]",
                        "Active", "Not Active", "[Not Supported]", "Not Active" });
        assertThat(row.index()).isEqualTo(3);
        assertThat(row.pciBusId()).isEqualTo("00000000:2A:00.0");
        assertThat(row.eccUncorrectedVolatile()).isNull();
        assertThat(row.eccUncorrectedAggregate()).isNull();
        assertThat(row.persistenceMode()).isTrue();
        assertThat(row.migEnabled()).isNull();
        assertThat(row.activeThrottleReasons()).containsExactly("hw_slowdown");
        assertThat(row.memoryUsedMib()).isEqualTo(1024L);
        assertThat(row.retiredPagesPending()).as("[N/A] on Ampere and later: absent, not false").isNull();
        assertThat(row.unreadable()).isEmpty();
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
                .containsExactly("present", "remapped-rows", "retired-pages", "ecc", "throttling", "processes");
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
                "GPU 0 " + U0 + ": remapped-rows: a row remapping is pending (reset the GPU to apply it)",
                "GPU 0 " + U0 + ": ecc: 2 uncorrectable ECC errors since the allocation began",
                "GPU 0 " + U0 + ": throttling: throttling active: hw_slowdown",
                "GPU 0 " + U0 + ": processes: 1 processes still on the GPU (pid 4242 of uid 1234, 512 MiB)",
                "GPU 1 " + U1 + ": present: missing since the inventory was recorded");
        String message = String.join("; ", failures);
        assertThat(GpuChecks.failedChecks("ended 1 processes of alice on the GPUs; " + message))
                .containsExactly("remapped-rows", "ecc", "throttling", "processes", "present");
        assertThat(GpuChecks.failures("ended 1 processes of alice on the GPUs; " + message)).contains(message);
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
        assertThat(gpus.get(1).failures()).containsExactly("GPU 1 " + U1 + ": present: not readable: nvidia-smi did not answer within 300 ms");
    }

    @Test
    void xidLinesAreReadInEveryFormatTheDriverWrites() {
        assertThat(Xids.parse(new KernelLog.Entry(7, "NVRM: Xid (PCI:0000:18:00): 79, pid=1234, name=python, GPU has fallen off the bus.")))
                .contains(new Xids.Event(7, "0000:18:00", 79, "pid=1234, name=python, GPU has fallen off the bus."));
        assertThat(Xids.parse(new KernelLog.Entry(8, "[ 8123.45] NVRM: Xid (0000:3b:00): 48, An uncorrectable double bit error")))
                .contains(new Xids.Event(8, "0000:3b:00", 48, "An uncorrectable double bit error"));
        assertThat(Xids.parse(new KernelLog.Entry(9, "NVRM: Xid (PCI:0000:01:00): 62, 323f0f30 0000c3d8")))
                .map(Xids.Event::xid).contains(62);
        assertThat(Xids.parse(new KernelLog.Entry(10, "NVRM: loading NVIDIA UNIX x86_64 Kernel Module  550.54.15"))).isEmpty();
        assertThat(Xids.pci("00000000:2A:00.0")).isEqualTo("0000:2a:00");
        assertThat(Xids.pci("[N/A]")).isNull();
    }

    @Test
    void onlyFatalXidsOfAGpuFailIt() {
        Map<String, Boolean> calm = new LinkedHashMap<>();
        LinuxNvidiaSmi.THROTTLE_REASONS.forEach(reason -> calm.put(reason, false));
        List<NvidiaSmi.HealthRow> rows = List.of(
                new NvidiaSmi.HealthRow(0, U0, "00000000:18:00.0", 0L, 0L, true, false, calm),
                new NvidiaSmi.HealthRow(1, U1, "00000000:2A:00.0", 0L, 0L, true, false, calm));
        NvidiaSmi.Answer<Xids.Event> xids = NvidiaSmi.Answer.of(List.of(
                new Xids.Event(10, "0000:18:00", 13, "Graphics SM Warp Exception"),
                new Xids.Event(11, "0000:2a:00", 94, "Contained: CE User Channel (0x9). RST: No, D-RST: No")));
        List<GpuHealth.Gpu> gpus = GpuHealth.evaluate(inventory(), Map.of(), new GpuHealth.Readings(NvidiaSmi.Answer.of(rows),
                NvidiaSmi.Answer.of(List.of()), NvidiaSmi.Answer.of(List.of()), pid -> null, xids, Set.of(48, 79, 94), null));
        assertThat(gpus.get(0).healthy()).isTrue();
        assertThat(gpus.get(0).checks().get(6)).isEqualTo(new GpuHealth.Check("xid", true, "1 non-fatal Xids since the allocation began (13)"));
        assertThat(gpus.get(1).failures()).containsExactly("GPU 1 " + U1 + ": xid: fatal Xid 94 since the allocation began "
                + "(PCI:0000:2a:00: 94, Contained: CE User Channel (0x9). RST: No, D-RST: No)");
    }

    @Test
    void dcgmiResultTablesAreReadForTheirFailures() {
        String table = """
                +---------------------------+------------------------------------------------+
                | Diagnostic                | Result                                         |
                +===========================+================================================+
                |-----  Hardware  ----------+------------------------------------------------|
                | GPU Memory                | Pass - GPUs: 0, 1                              |
                | Diagnostic                | Fail - GPUs: 0, 1                              |
                | Warning                   | GPU 0 Thermal violations totaling 14.2 seconds |
                | PCIe                      | Fail                                           |
                | Persistence Mode          | Pass                                           |
                +---------------------------+------------------------------------------------+
                """;
        assertThat(LinuxGpuDiag.parse(table)).containsExactly(
                new GpuDiag.Failure("Diagnostic", List.of(0, 1), "Fail - GPUs: 0, 1 GPU 0 Thermal violations totaling 14.2 seconds"),
                new GpuDiag.Failure("PCIe", List.of(), "Fail"));
        GpuDiag.Result result = new GpuDiag.Result(false, LinuxGpuDiag.parse(table), null, false);
        assertThat(GpuHealth.diagCheck(result, 3)).contains(new GpuHealth.Check("diag", false, "dcgmi diag failed: PCIe (Fail)"));
        assertThat(GpuHealth.diagCheck(null, 0)).isEmpty();
    }

    @Test
    void theKernelLogIsReadToItsEndWithoutWaiting() throws Exception {
        Path log = dir.resolve("kmsg");
        Files.writeString(log, """
                6,100,5000,-;usb 1-1: new high-speed USB device number 2 using xhci_hcd
                 SUBSYSTEM=usb
                3,101,6000,-;NVRM: Xid (PCI:0000:18:00): 79, pid=1, name=x, GPU has fallen off the bus.
                3,102,7000,-;NVRM: Xid (PCI:0000:2a:00): 48, pid=2, name=y, DBE
                """);
        LinuxKernelLog kernel = new LinuxKernelLog(log.toString(), Duration.ofSeconds(5));
        KernelLog.Read all = kernel.read(-1, Xids.MARKER);
        assertThat(all.error()).isNull();
        assertThat(all.lastSeq()).isEqualTo(102);
        assertThat(all.entries()).extracting(KernelLog.Entry::seq).containsExactly(101L, 102L);
        assertThat(kernel.read(101, Xids.MARKER).entries()).extracting(KernelLog.Entry::seq).containsExactly(102L);
        assertThat(kernel.read(Long.MAX_VALUE, Xids.MARKER).entries()).isEmpty();
        assertThat(new LinuxKernelLog(LinuxKernelLog.NONE, Duration.ofSeconds(1)).configured()).isFalse();
    }

    @Test
    void devKmsgIsReadWithoutBlocking() {
        // The real /dev/kmsg, where a plain read would wait for the next message: dd iflag=nonblock stops at EAGAIN.
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/dev/kmsg")), "/dev/kmsg is not readable here");
        KernelLog.Read read = new LinuxKernelLog("/dev/kmsg", Duration.ofSeconds(20)).read(-1, "");
        org.junit.jupiter.api.Assumptions.assumeFalse(read.error() != null && read.error().contains("Operation not permitted"));
        assertThat(read.error()).isNull();
        assertThat(read.timedOut()).isFalse();
        assertThat(read.lastSeq()).isGreaterThanOrEqualTo(0);
        assertThat(read.bootId()).isNotBlank();
    }

    @Test
    void theStateFileRoundTripsAndLeavesNoTempFile() throws Exception {
        assertThat(GpuStateFile.read(dir)).isEqualTo(GpuStateFile.EMPTY);
        GpuStateFile.State state = new GpuStateFile.State(List.of(new GpuHealth.Recorded(0, U0, "00000000:18:00.0"),
                new GpuHealth.Recorded(1, U1)), Map.of(U0, 0L, U1, 7L), 1522L, "4c7e0a4e-7b1f-4f5e-9d3c-2a1b0c9d8e7f");
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
        assertThat(health.rows()).extracting(NvidiaSmi.HealthRow::pciBusId).containsExactly(FakeNvidiaSmi.PCI_0, FakeNvidiaSmi.PCI_1);
        assertThat(health.rows().get(1).migEnabled()).as("[N/A] is absent, not false").isNull();
        assertThat(health.rows().get(1).persistenceMode()).isFalse();
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
    void theStandInPrintsUnitsAndHeadersLikeNvidiaSmiAndTheParserReadsBothForms() throws Exception {
        Path script = FakeNvidiaSmi.install(dir);
        Process app = new ProcessBuilder("sleep", "60").start();
        try {
            FakeNvidiaSmi.set(script, "apps", app.pid() + " " + U1);
            HostCommands commands = new HostCommands();
            String query = FakeNvidiaSmi.HEALTH_QUERY;
            HostCommands.Result units = commands.run(List.of(script.toString(), query, "--format=csv,noheader"), Duration.ofSeconds(10));
            HostCommands.Result bare = commands.run(List.of(script.toString(), query, "--format=csv,noheader,nounits"),
                    Duration.ofSeconds(10));
            HostCommands.Result header = commands.run(List.of(script.toString(), query, "--format=csv"), Duration.ofSeconds(10));
            assertThat(units.stdout().lines().toList().get(1)).contains(", 512 MiB, [N/A], ");
            assertThat(bare.stdout().lines().toList().get(1)).contains(", 512, [N/A], ");
            assertThat(header.stdout().lines().findFirst().orElseThrow())
                    .startsWith("index, uuid, pci.bus_id, ecc.errors.uncorrected.volatile.total, ")
                    .contains("memory.used [MiB]");
            List<NvidiaSmi.HealthRow> withUnits = units.stdout().lines().map(GpuHealthTest::cells).map(LinuxNvidiaSmi::parseHealth).toList();
            List<NvidiaSmi.HealthRow> withoutUnits = bare.stdout().lines().map(GpuHealthTest::cells).map(LinuxNvidiaSmi::parseHealth).toList();
            assertThat(withUnits).isEqualTo(withoutUnits);
            assertThat(withUnits.get(1).memoryUsedMib()).isEqualTo(512L);
            HostCommands.Result apps = commands.run(List.of(script.toString(), "--query-compute-apps=pid,used_memory,gpu_uuid",
                    "--format=csv,noheader"), Duration.ofSeconds(10));
            assertThat(apps.stdout().strip()).isEqualTo(app.pid() + ", 512 MiB, " + U1);
            assertThat(LinuxNvidiaSmi.wholeOrNull(cells(apps.stdout().strip())[1])).isEqualTo(512L);
            HostCommands.Result wrong = commands.run(List.of(script.toString(), query, "--format=json"), Duration.ofSeconds(10));
            assertThat(wrong.exitCode()).isEqualTo(2);
            assertThat(wrong.stdout()).startsWith("Invalid combination of input arguments.");
        } finally {
            app.destroyForcibly().waitFor();
        }
    }

    private static String[] cells(String line) {
        return java.util.Arrays.stream(line.split(",", -1)).map(String::strip).toArray(String[]::new);
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

    @Test
    void aKernelLogReadThatHangsFailsWithinItsDeadline() throws Exception {
        // A dd that never ends (a hung file system, say): killed at the deadline, reported as a timeout.
        Path dd = script("dd-hang", "exec sleep 60");
        Files.writeString(dir.resolve("kmsg"), "3,1,1,-;NVRM: Xid (PCI:0000:18:00): 79, pid=1, name=x, GPU has fallen off the bus.\n");
        KernelLog.Read read = new LinuxKernelLog(dir.resolve("kmsg").toString(), Duration.ofMillis(500), dd.toString())
                .read(-1, Xids.MARKER);
        assertThat(read.timedOut()).isTrue();
        assertThat(read.error()).isEqualTo("the kernel log " + dir.resolve("kmsg") + " was not read within 500 ms "
                + "(fleetlink.agent.gpu.timeout)");
    }

    @Test
    // The child below lives an hour: a read that waits for the pipe fails here instead of hanging the suite.
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aKernelLogWhoseOutputOutlivesTheKilledReaderStillEndsAtTheDeadline() throws Exception {
        // Killing dd does not close its output while something else holds it (here a child it left behind;
        // on a real machine a dd stuck in an uninterruptible read): the read must not wait for the pipe.
        Path pidFile = dir.resolve("dd-grandchild");
        Path dd = script("dd-leak", "sleep 3600 &\necho $! > '" + pidFile + "'\nexec sleep 3600");
        try {
            KernelLog.Read read = new LinuxKernelLog(dir.resolve("kmsg").toString(), Duration.ofMillis(500), dd.toString())
                    .read(-1, Xids.MARKER);
            assertThat(read.timedOut()).isTrue();
            assertThat(read.error()).contains("was not read within 500 ms");
        } finally {
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aFifoAsTheKernelLogNeverBlocksTheRead() throws Exception {
        // A FIFO nobody writes: dd's non-blocking open and read return at once (end of file, or EAGAIN
        // while a writer holds it open without writing): an empty log, never a hang.
        Path fifo = dir.resolve("kmsg-fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        LinuxKernelLog kernel = new LinuxKernelLog(fifo.toString(), Duration.ofSeconds(20));
        KernelLog.Read alone = kernel.read(-1, Xids.MARKER);
        assertThat(alone.timedOut()).isFalse();
        assertThat(alone.error()).isNull();
        assertThat(alone.entries()).isEmpty();
        Process holder = new ProcessBuilder("sh", "-c", "exec 3<>'" + fifo + "'; exec sleep 60").start();
        try {
            KernelLog.Read held = kernel.read(-1, Xids.MARKER);
            assertThat(held.timedOut()).isFalse();
            assertThat(held.error()).isNull();
            assertThat(held.entries()).isEmpty();
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void retiredPagesArePendingOnlyWhereTheGpuRetiresPages() {
        NvidiaSmi.HealthRow hopper = LinuxNvidiaSmi.parseHealth(new String[] { "0", U0, "00000000:18:00.0", "0", "0", "Enabled",
                "Disabled", "0", "[N/A]", "Not Active", "Not Active", "Not Active", "Not Active" });
        NvidiaSmi.HealthRow volta = LinuxNvidiaSmi.parseHealth(new String[] { "1", U1, "00000000:2A:00.0", "0", "0", "Enabled",
                "[N/A]", "0", "Yes", "Not Active", "Not Active", "Not Active", "Not Active" });
        NvidiaSmi.HealthRow clean = LinuxNvidiaSmi.parseHealth(new String[] { "1", U1, "00000000:2A:00.0", "0", "0", "Enabled",
                "[N/A]", "0", "No", "Not Active", "Not Active", "Not Active", "Not Active" });
        assertThat(GpuHealth.retiredPagesCheck(hopper))
                .isEqualTo(new GpuHealth.Check("retired-pages", true, "page retirement not applicable to this GPU (it remaps rows instead)"));
        assertThat(GpuHealth.retiredPagesCheck(volta)).isEqualTo(new GpuHealth.Check("retired-pages", false,
                "pages are pending retirement (reset the GPU or reload the driver to retire them)"));
        assertThat(GpuHealth.retiredPagesCheck(clean)).isEqualTo(new GpuHealth.Check("retired-pages", true, "no pages pending retirement"));
        assertThat(volta.retiredPagesPending()).isTrue();
        assertThat(clean.retiredPagesPending()).isFalse();
    }

    @Test
    void anErrorInsteadOfAReadingFailsTheCheckThatReadsIt() {
        // [Unknown Error] is not [N/A]: the GPU has the counter and it could not be read.
        NvidiaSmi.HealthRow row = LinuxNvidiaSmi.parseHealth(new String[] { "1", U1, "00000000:2A:00.0", "[Unknown Error]", "0",
                "Enabled", "[N/A]", "[N/A]", "[GPU is lost]", "Not Active", "[Unknown Error]", "Not Active", "[Not Supported]" });
        assertThat(row.eccUncorrectedVolatile()).isNull();
        assertThat(row.unreadable()).containsOnlyKeys("ecc.errors.uncorrected.volatile.total", "retired_pages.pending",
                "hw_thermal_slowdown");
        assertThat(GpuHealth.eccCheck(row, 0L)).isEqualTo(new GpuHealth.Check("ecc", false,
                "uncorrectable ECC errors not readable: nvidia-smi answered [Unknown Error]"));
        assertThat(GpuHealth.retiredPagesCheck(row)).isEqualTo(new GpuHealth.Check("retired-pages", false,
                "retired pages not readable: nvidia-smi answered [GPU is lost]"));
        assertThat(GpuHealth.throttleCheck(row)).isEqualTo(new GpuHealth.Check("throttling", false,
                "throttle reasons not readable: nvidia-smi answered hw_thermal_slowdown [Unknown Error]"));
        NvidiaSmi.RemapRow remap = LinuxNvidiaSmi.parseRemap(new String[] { U1, "[Unknown Error]", "0" });
        assertThat(GpuHealth.remapCheck(NvidiaSmi.Answer.of(List.of(remap)), remap)).isEqualTo(new GpuHealth.Check("remapped-rows",
                false, "remapped rows not readable: nvidia-smi answered [Unknown Error]"));
        assertThat(LinuxNvidiaSmi.isError("[N/A]")).isFalse();
        assertThat(LinuxNvidiaSmi.isError("[Not Supported]")).isFalse();
        assertThat(LinuxNvidiaSmi.isError("[Insufficient Permissions]")).isTrue();
    }

    /** An executable shell script in the temp dir with this body. */
    private Path script(String name, String body) throws Exception {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
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
