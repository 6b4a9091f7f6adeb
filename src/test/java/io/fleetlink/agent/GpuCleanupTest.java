package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.fleetlink.agent.ops.GpuScrubber;
import io.fleetlink.agent.ops.ProcessStopper;
import io.fleetlink.agent.os.GpuDiag;
import io.fleetlink.agent.os.GpuStateFile;
import io.fleetlink.agent.os.LinuxGpuDiag;
import io.fleetlink.agent.os.LinuxKernelLog;
import io.fleetlink.agent.os.HostCommands;
import io.fleetlink.agent.os.LinuxNvidiaSmi;
import io.fleetlink.agent.os.ProcFs;
import io.fleetlink.agent.os.Signals;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.agent.os.Users;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/** CleanupMachine's gpu step, the GPU health gate, against the fake nvidia-smi and real processes. */
@QuarkusTest
@TestProfile(HostOpsProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuCleanupTest {

    private static final String U0 = FakeNvidiaSmi.UUID_0;
    private static final String U1 = FakeNvidiaSmi.UUID_1;

    @Inject
    AgentConfig config;

    @Inject
    ProcFs procFs;

    @Inject
    Signals signals;

    @Inject
    ProcessStopper stopper;

    @Inject
    Users users;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    private TestUser user;
    private Process stray;

    @BeforeAll
    void createUser() {
        RealParts.requireRoot();
        user = TestUsers.create();
        // The agent records the first inventory and baseline at start, on a thread of its own: let it finish
        // before the tests remove the state file, so it cannot write one behind a test's back.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> Files.exists(Path.of(config.gpu().stateDir()).resolve(GpuStateFile.NAME)));
    }

    @Test
    void theAgentRecordsTheInventoryAndBaselineAtStart() throws Exception {
        // The state file removed by the tests is recorded again the way start-up does it.
        GpuScrubber scrubber = scrubber(config, new LinuxKernelLog(config.gpu().kernelLog(), config.gpu().timeout()));
        scrubber.recordBaselineInBackground();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.exists(Path.of(config.gpu().stateDir()).resolve(GpuStateFile.NAME)));
        GpuStateFile.State state = GpuStateFile.read(Path.of(config.gpu().stateDir()));
        assertThat(state.inventory()).extracting(gpu -> gpu.pciBusId()).containsExactly(FakeNvidiaSmi.PCI_0, FakeNvidiaSmi.PCI_1);
        assertThat(state.kernelLogSeq()).isEqualTo(1522L);
        FakeNvidiaSmi.set(fake(), "ecc", "1");
        assertFails("GPU 1 " + U1 + ": ecc: 1 uncorrectable ECC errors since the allocation began");
    }

    @AfterAll
    void deleteUser() {
        TestUsers.delete(user);
    }

    @BeforeEach
    @AfterEach
    void healthyAgain() throws Exception {
        FakeNvidiaSmi.reset(fake());
        Files.deleteIfExists(Path.of(config.gpu().stateDir()).resolve(GpuStateFile.NAME));
        if (stray != null) {
            stray.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            stray = null;
        }
        TestUsers.killAll(user);
    }

    @Test
    void healthyGpusPassAndTheInventoryIsRecorded() throws Exception {
        JsonPath step = gpuStep();
        assertThat(step.getBoolean("success")).isTrue();
        assertThat(step.getString("message"))
                .isEqualTo("GPU memory in use after the free: GPU 0 0 MiB, GPU 1 0 MiB; all 2 GPUs present, free and healthy");
        GpuStateFile.State state = GpuStateFile.read(Path.of(config.gpu().stateDir()));
        assertThat(state.inventory()).extracting(gpu -> gpu.uuid()).containsExactly(U0, U1);
        assertThat(state.eccBaseline()).containsEntry(U1, 0L);
    }

    @Test
    void endsTheUsersProcessOnAGpu() throws Exception {
        Process theirs = new ProcessBuilder("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups",
                "--", "sleep", "300")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        FakeNvidiaSmi.set(fake(), "apps", theirs.pid() + " " + U1);
        JsonPath step = gpuStep();
        assertThat(step.getBoolean("success")).as(step.getString("message")).isTrue();
        // The fake counts 512 MiB per live process on a GPU: after the free, none is left.
        assertThat(step.getString("message")).startsWith("ended 1 processes of " + user.name() + " on the GPUs; "
                + "GPU memory in use after the free: GPU 0 0 MiB, GPU 1 0 MiB; all 2 GPUs");
        assertThat(step.getList("removed", String.class)).containsExactly(String.valueOf(theirs.pid()));
        assertThat(theirs.waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anotherUsersProcessIsLeftAndFailsTheStep() throws Exception {
        stray = new ProcessBuilder("sleep", "300").start();
        FakeNvidiaSmi.set(fake(), "apps", stray.pid() + " " + U1);
        JsonPath step = gpuStep();
        assertThat(step.getBoolean("success")).isFalse();
        assertThat(step.getString("message")).isEqualTo("GPU memory in use after the free: GPU 0 0 MiB, GPU 1 512 MiB; GPU 1 "
                + U1 + ": processes: 1 processes still on the GPU (pid " + stray.pid() + " of uid 0, 512 MiB)");
        assertThat(stray.isAlive()).isTrue();
    }

    @Test
    void aGpuThatDisappearsFailsTheStep() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "gone", "");
        assertFails("GPU 1 " + U1 + ": present: missing since the inventory was recorded");
    }

    @Test
    void uncorrectableEccErrorsSinceTheBaselineFailTheStep() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "ecc", "2");
        double failedBefore = checks("ecc", "fail");
        double passedBefore = checks("ecc", "pass");
        assertFails("GPU 1 " + U1 + ": ecc: 2 uncorrectable ECC errors since the allocation began");
        // fleetlink_gpu_checks_total{check,outcome}: GPU 1 failed, GPU 0 passed.
        assertThat(checks("ecc", "fail")).isEqualTo(failedBefore + 1);
        assertThat(checks("ecc", "pass")).isEqualTo(passedBefore + 1);
    }

    private double checks(String check, String outcome) {
        var counter = registry.find(GpuScrubber.CHECKS_METRIC).tag("check", check).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aPassingStepMovesTheBaselineAndAFailingOneDoesNot() throws Exception {
        FakeNvidiaSmi.set(fake(), "ecc", "5");
        assertThat(gpuStep().getBoolean("success")).as("errors before the first check are history").isTrue();
        FakeNvidiaSmi.set(fake(), "ecc", "7");
        assertFails("GPU 1 " + U1 + ": ecc: 2 uncorrectable ECC errors since the allocation began");
        assertFails("GPU 1 " + U1 + ": ecc: 2 uncorrectable ECC errors since the allocation began");
        GpuStateFile.State state = GpuStateFile.read(Path.of(config.gpu().stateDir()));
        assertThat(state.eccBaseline()).containsEntry(U1, 5L);
        assertThat(state.kernelLogSeq()).isEqualTo(1522L);
        assertThat(state.bootId()).isNotBlank();
    }

    @Test
    void aFatalXidSinceTheAllocationBeganFailsTheGpuItNames() throws Exception {
        // The log already holds an Xid 79 of GPU 0 from before the agent first looked: history, not this allocation.
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.logXid(fake(), FakeNvidiaSmi.PCI_1, 13, "pid=4242, name=python, Graphics SM Warp Exception on (GPC 0, TPC 1, SM 0)");
        JsonPath passing = gpuStep();
        assertThat(passing.getBoolean("success")).as("Xid 13 is not in the fatal list").isTrue();
        FakeNvidiaSmi.logXid(fake(), FakeNvidiaSmi.PCI_1, 48, "pid=4242, name=python, An uncorrectable double bit error (DBE) "
                + "has been detected on GPU in the framebuffer at partition 6, subpartition 0.");
        assertFails("GPU 1 " + U1 + ": xid: fatal Xid 48 since the allocation began (PCI:0000:2a:00: 48, pid=4242, "
                + "name=python, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at "
                + "partition 6, subpartition 0.)");
    }

    @Test
    void aGpuThatFellOffTheBusIsNamedByItsXid() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "gone", "");
        FakeNvidiaSmi.logXid(fake(), FakeNvidiaSmi.PCI_1, 79, "pid=1234, name=python, GPU has fallen off the bus.");
        assertFails("GPU 1 " + U1 + ": present: missing since the inventory was recorded; GPU 1 " + U1
                + ": xid: fatal Xid 79 since the allocation began (PCI:0000:2a:00: 79, pid=1234, name=python, "
                + "GPU has fallen off the bus.)");
    }

    @Test
    void aFatalXidOnAnUnknownAddressFailsUnderItsAddress() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.logXid(fake(), "00000000:C1:00.0", 79, "pid=1234, name=python, GPU has fallen off the bus.");
        assertFails("GPU ? PCI:0000:c1:00: xid: fatal Xid 79 since the allocation began (PCI:0000:c1:00: 79, pid=1234, "
                + "name=python, GPU has fallen off the bus.)");
    }

    @Test
    void anUnreadableKernelLogFailsTheXidCheck() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        GpuScrubber scrubber = scrubber(config, new LinuxKernelLog(fake().resolveSibling("no-such-kmsg").toString(),
                config.gpu().timeout()));
        CleanupMachineResponse.Step step = scrubber.cleanupStep(users.requireTenant(user.name()), false);
        assertThat(step.success()).isFalse();
        assertThat(io.fleetlink.protocol.GpuChecks.failures(step.message()).orElseThrow())
                .startsWith("GPU 0 " + U0 + ": xid: kernel log not readable: cannot read the kernel log ")
                .contains("No such file or directory");
    }

    @Test
    void dcgmiDiagRunsAtTheConfiguredLevelAndAFailureNamesTheGpu() throws Exception {
        GpuScrubber scrubber = scrubber(withGpu("diagLevel", 1), new LinuxKernelLog(config.gpu().kernelLog(), config.gpu().timeout()));
        CleanupMachineResponse.Step passing = scrubber.cleanupStep(users.requireTenant(user.name()), false);
        assertThat(passing.success()).as(passing.message()).isTrue();
        FakeNvidiaSmi.set(fake(), "diag", "fail");
        CleanupMachineResponse.Step step = scrubber.cleanupStep(users.requireTenant(user.name()), false);
        assertThat(step.success()).isFalse();
        assertThat(io.fleetlink.protocol.GpuChecks.failures(step.message())).contains("GPU 1 " + U1
                + ": diag: dcgmi diag failed: Page Retirement/Row Remap "
                + "(Fail - GPU: 1 GPU 1 There are pending row remaps. Reset the GPU to apply them.)");
    }

    @Test
    void aHungDcgmiFailsTheDiagCheckWithinItsDeadline() throws Exception {
        FakeNvidiaSmi.set(fake(), "diag", "hang");
        GpuScrubber scrubber = scrubber(withGpu("diagLevel", 1, "diagTimeout", Duration.ofSeconds(2)),
                new LinuxKernelLog(config.gpu().kernelLog(), config.gpu().timeout()));
        long started = System.nanoTime();
        CleanupMachineResponse.Step step = scrubber.cleanupStep(users.requireTenant(user.name()), false);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(step.success()).isFalse();
        assertThat(step.message()).contains("GPU 0 " + U0 + ": diag: dcgmi diag -r 1 did not finish within 2000 ms "
                + "(fleetlink.agent.gpu.diag-timeout)");
    }

    @Test
    void aPendingRemapFailsTheStep() throws Exception {
        FakeNvidiaSmi.set(fake(), "remap", "pending");
        assertFails("GPU 1 " + U1 + ": remapped-rows: a row remapping is pending (reset the GPU to apply it)");
    }

    @Test
    void pagesPendingRetirementFailTheStepOnGpusThatRetirePages() throws Exception {
        // GPUs before Ampere answer retired_pages.pending with Yes/No; Hopper's [N/A] is "not applicable".
        FakeNvidiaSmi.set(fake(), "retired", "none");
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "retired", "pending");
        assertFails("GPU 1 " + U1 + ": retired-pages: pages are pending retirement (reset the GPU or reload the driver to retire them)");
    }

    @Test
    void aCounterNvidiaSmiCannotReadFailsTheStep() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "ecc", "[Unknown Error]");
        assertFails("GPU 1 " + U1 + ": ecc: uncorrectable ECC errors not readable: nvidia-smi answered [Unknown Error]");
    }

    @Test
    void aKernelLogThatDoesNotAnswerFailsTheXidCheckWithinItsDeadline() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        // A dd that never returns (the log on a hung file system): the Xid check fails, the cleanup goes on.
        Path dd = fake().resolveSibling("dd-hang");
        Files.writeString(dd, "#!/bin/sh\nexec sleep 60\n");
        Files.setPosixFilePermissions(dd, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        GpuScrubber scrubber = scrubber(config, new LinuxKernelLog(config.gpu().kernelLog(), Duration.ofSeconds(1), dd.toString()));
        long started = System.nanoTime();
        CleanupMachineResponse.Step step = scrubber.cleanupStep(users.requireTenant(user.name()), false);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(step.success()).isFalse();
        assertThat(io.fleetlink.protocol.GpuChecks.failures(step.message()).orElseThrow()).isEqualTo("GPU 0 " + U0
                + ": xid: kernel log not readable: the kernel log " + config.gpu().kernelLog() + " was not read within 1000 ms "
                + "(fleetlink.agent.gpu.timeout); GPU 1 " + U1 + ": xid: kernel log not readable: the kernel log "
                + config.gpu().kernelLog() + " was not read within 1000 ms (fleetlink.agent.gpu.timeout)");
        Files.delete(dd);
    }

    @Test
    void activeThrottlingFailsTheStep() throws Exception {
        FakeNvidiaSmi.set(fake(), "throttle", "hw_power_brake_slowdown");
        assertFails("GPU 1 " + U1 + ": throttling: throttling active: hw_power_brake_slowdown");
    }

    @Test
    void aHungNvidiaSmiFailsWithinItsDeadline() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "mode", "hang");
        long started = System.nanoTime();
        JsonPath step = gpuStep();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(config.gpu().timeout().plusSeconds(5));
        assertThat(step.getBoolean("success")).isFalse();
        assertThat(step.getString("message")).contains("did not answer within 3000 ms (fleetlink.agent.gpu.timeout)")
                .startsWith("GPU 0 " + U0 + ": present: not readable: nvidia-smi did not answer within 3000 ms")
                .contains("; GPU 1 " + U1 + ": present: not readable: ");
    }

    @Test
    void aMachineWithoutADriverIsSkippedAndLeftOutOfTheDefaultSteps() throws Exception {
        FakeNvidiaSmi.setNoDriver(fake(), true);
        JsonPath step = gpuStep();
        assertThat(step.getBoolean("success")).isTrue();
        assertThat(step.getString("message")).startsWith("no GPUs on this machine (").endsWith("), skipped");
        List<String> types = given().header("Authorization", "Bearer " + AgentGrpc.TOKEN).contentType("application/json")
                .body(Map.of("user", user.name(), "dry_run", true))
                .when().post("/api/v1/machine/cleanup")
                .then().extract().jsonPath().getList("data.steps.type", String.class);
        assertThat(types).doesNotContain("gpu").contains("process", "data");
    }

    @Test
    void aDriverThatVanishesAfterTheInventoryFailsTheStep() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.setNoDriver(fake(), true);
        JsonPath step = gpuStep();
        assertThat(step.getBoolean("success")).isFalse();
        assertThat(step.getString("message")).contains("GPU 0 " + U0 + ": present: not readable: nvidia-smi").contains("exited with 9");
    }

    @Test
    void aMachineWithoutNvidiaSmiIsSkipped() {
        GpuScrubber scrubber = new GpuScrubber(config,
                new LinuxNvidiaSmi(new HostCommands(), "nvidia-smi-fl-absent", Duration.ofSeconds(1)),
                new LinuxKernelLog(config.gpu().kernelLog(), config.gpu().timeout()), diag(), procFs, signals, stopper,
                new SimpleMeterRegistry());
        UserAccount account = users.requireTenant(user.name());
        CleanupMachineResponse.Step step = scrubber.cleanupStep(account, false);
        assertThat(step.success()).isTrue();
        assertThat(step.message()).isEqualTo("no GPUs on this machine (nvidia-smi not found), skipped");
        assertThat(scrubber.hasGpus()).isFalse();
    }

    @Test
    void onReleaseResetsEveryIdleGpuAndLeavesABusyOne() throws Exception {
        stray = new ProcessBuilder("sleep", "300").start();
        FakeNvidiaSmi.set(fake(), "apps", stray.pid() + " " + U1);
        GpuScrubber scrubber = scrubber(withGpu("reset", AgentConfig.GpuReset.ON_RELEASE),
                new LinuxKernelLog(config.gpu().kernelLog(), config.gpu().timeout()));
        CleanupMachineResponse.Step step = scrubber.cleanupStep(users.requireTenant(user.name()), false);
        assertThat(Files.readAllLines(fake().resolveSibling("resets"))).containsExactly("0");
        assertThat(step.success()).isFalse();
        assertThat(step.message()).startsWith("GPU 0 " + U0 + " reset; GPU 1 " + U1 + " not reset (in use); ")
                .endsWith("GPU 1 " + U1 + ": processes: 1 processes still on the GPU (pid " + stray.pid() + " of uid 0, 512 MiB)")
                .contains("; GPU memory in use after the free: GPU 0 0 MiB, GPU 1 512 MiB; ");
    }

    @Test
    void checkGpuHealthOverHttpReportsEveryCheckAndRecordsNothing() throws Exception {
        FakeNvidiaSmi.set(fake(), "throttle", "hw_slowdown");
        JsonPath body = given().header("Authorization", "Bearer " + AgentGrpc.TOKEN)
                .when().get("/api/v1/gpu/health")
                .then().statusCode(200)
                .extract().jsonPath();
        assertThat(body.getBoolean("data.healthy")).isFalse();
        assertThat(body.getList("data.gpus.uuid", String.class)).containsExactly(U0, U1);
        assertThat(body.getList("data.gpus.healthy", Boolean.class)).containsExactly(true, false);
        assertThat(body.getList("data.gpus[1].checks.name", String.class))
                .containsExactly("present", "remapped-rows", "retired-pages", "ecc", "throttling", "processes", "xid");
        assertThat(body.getString("data.gpus[1].checks[4].message")).isEqualTo("throttling active: hw_slowdown");
        assertThat(body.getString("data.gpus[1].checks[2].message"))
                .isEqualTo("page retirement not applicable to this GPU (it remaps rows instead)");
        assertThat(Path.of(config.gpu().stateDir()).resolve(GpuStateFile.NAME)).doesNotExist();
    }

    @Test
    void checkGpuHealthOverGrpcSeesAMissingGpu() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "gone", "");
        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.CheckGpuHealthResponse health = grpc.authorized()
                    .checkGpuHealth(AgentProto.CheckGpuHealthRequest.getDefaultInstance());
            assertThat(health.getHealthy()).isFalse();
            assertThat(health.getGpusList()).extracting(AgentProto.GpuHealthResult::getUuid).containsExactly(U0, U1);
            assertThat(health.getGpus(1).getChecks(0).getMessage()).isEqualTo("missing since the inventory was recorded");
            assertThat(health.getError()).isEmpty();
        }
    }

    /** A scrubber over the fake nvidia-smi and dcgmi with these settings and this kernel log. */
    private GpuScrubber scrubber(AgentConfig settings, LinuxKernelLog kernelLog) {
        return new GpuScrubber(settings, new LinuxNvidiaSmi(new HostCommands(), fake().toString(), config.gpu().timeout()),
                kernelLog, new LinuxGpuDiag(new HostCommands(), settings.gpu().dcgmi(), settings.gpu().diagTimeout()),
                procFs, signals, stopper, new SimpleMeterRegistry());
    }

    private GpuDiag diag() {
        return new LinuxGpuDiag(new HostCommands(), config.gpu().dcgmi(), config.gpu().diagTimeout());
    }

    /** The agent's settings with other {@code fleetlink.agent.gpu.*} values: pairs of method name and value. */
    private AgentConfig withGpu(Object... overrides) {
        Map<String, Object> values = new java.util.HashMap<>();
        for (int i = 0; i < overrides.length; i += 2) {
            values.put((String) overrides[i], overrides[i + 1]);
        }
        AgentConfig.Gpu gpu = (AgentConfig.Gpu) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { AgentConfig.Gpu.class },
                (proxy, method, args) -> values.containsKey(method.getName()) ? values.get(method.getName())
                        : method.invoke(config.gpu(), args));
        return (AgentConfig) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { AgentConfig.class },
                (proxy, method, args) -> method.getName().equals("gpu") ? gpu : method.invoke(config, args));
    }

    /** The gpu step fails with exactly these failures (the notes before them, such as memory in use, left out). */
    private void assertFails(String expected) {
        JsonPath step = gpuStep();
        assertThat(step.getBoolean("success")).isFalse();
        assertThat(io.fleetlink.protocol.GpuChecks.failures(step.getString("message"))).as(step.getString("message"))
                .contains(expected);
    }

    private JsonPath gpuStep() {
        JsonPath body = given().header("Authorization", "Bearer " + AgentGrpc.TOKEN).contentType("application/json")
                .body(Map.of("user", user.name(), "types", List.of("gpu")))
                .when().post("/api/v1/machine/cleanup")
                .then().extract().jsonPath();
        assertThat(body.getList("data.steps.type", String.class)).containsExactly("gpu");
        return body.setRootPath("data.steps[0]");
    }

    private Path fake() {
        return Path.of(config.gpu().nvidiaSmi());
    }
}
