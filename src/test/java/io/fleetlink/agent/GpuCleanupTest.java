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
import io.fleetlink.agent.os.GpuStateFile;
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

    private TestUser user;
    private Process stray;

    @BeforeAll
    void createUser() {
        RealParts.requireRoot();
        user = TestUsers.create();
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
        assertThat(step.getString("message")).isEqualTo("all 2 GPUs present, free and healthy");
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
        assertThat(step.getString("message")).startsWith("ended 1 processes of " + user.name() + " on the GPUs; all 2 GPUs");
        assertThat(step.getList("removed", String.class)).containsExactly(String.valueOf(theirs.pid()));
        assertThat(theirs.waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anotherUsersProcessIsLeftAndFailsTheStep() throws Exception {
        stray = new ProcessBuilder("sleep", "300").start();
        FakeNvidiaSmi.set(fake(), "apps", stray.pid() + " " + U1);
        assertFails("GPU 1 " + U1 + ": 1 processes still on the GPU (pid " + stray.pid() + " of uid 0, 512 MiB)");
        assertThat(stray.isAlive()).isTrue();
    }

    @Test
    void aGpuThatDisappearsFailsTheStep() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "gone", "");
        assertFails("GPU 1 " + U1 + ": missing since the inventory was recorded");
    }

    @Test
    void uncorrectableEccErrorsSinceTheBaselineFailTheStep() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "ecc", "2");
        assertFails("GPU 1 " + U1 + ": 2 uncorrectable ECC errors since the baseline");
    }

    @Test
    void aPendingRemapFailsTheStep() throws Exception {
        FakeNvidiaSmi.set(fake(), "remap", "pending");
        assertFails("GPU 1 " + U1 + ": a row remapping is pending (reset the GPU to apply it)");
    }

    @Test
    void activeThrottlingFailsTheStep() throws Exception {
        FakeNvidiaSmi.set(fake(), "throttle", "hw_power_brake_slowdown");
        assertFails("GPU 1 " + U1 + ": throttling active: hw_power_brake_slowdown");
    }

    @Test
    void aHungNvidiaSmiFailsWithinItsDeadline() throws Exception {
        assertThat(gpuStep().getBoolean("success")).isTrue();
        FakeNvidiaSmi.set(fake(), "mode", "hang");
        long started = System.nanoTime();
        JsonPath step = gpuStep();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(config.gpu().timeout().plusSeconds(5));
        assertThat(step.getBoolean("success")).isFalse();
        assertThat(step.getString("message")).contains("did not answer within 3000 ms (fleetlink.agent.gpu.timeout)");
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
        assertThat(step.getString("message")).contains("GPU 0 " + U0 + ": not readable: nvidia-smi").contains("exited with 9");
    }

    @Test
    void aMachineWithoutNvidiaSmiIsSkipped() {
        GpuScrubber scrubber = new GpuScrubber(config,
                new LinuxNvidiaSmi(new HostCommands(), "nvidia-smi-fl-absent", Duration.ofSeconds(1)), procFs, signals, stopper);
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
        GpuScrubber scrubber = new GpuScrubber(withReset(AgentConfig.GpuReset.ON_RELEASE),
                new LinuxNvidiaSmi(new HostCommands(), fake().toString(), config.gpu().timeout()), procFs, signals, stopper);
        CleanupMachineResponse.Step step = scrubber.cleanupStep(users.requireTenant(user.name()), false);
        assertThat(Files.readAllLines(fake().resolveSibling("resets"))).containsExactly("0");
        assertThat(step.success()).isFalse();
        assertThat(step.message()).startsWith("GPU 0 " + U0 + " reset; GPU 1 " + U1 + " not reset (in use); ")
                .endsWith("GPU 1 " + U1 + ": 1 processes still on the GPU (pid " + stray.pid() + " of uid 0, 512 MiB)");
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
                .containsExactly("present", "remapped-rows", "ecc", "throttling", "processes");
        assertThat(body.getString("data.gpus[1].checks[3].message")).isEqualTo("throttling active: hw_slowdown");
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

    /** The agent's settings with another {@code fleetlink.agent.gpu.reset}. */
    private AgentConfig withReset(AgentConfig.GpuReset reset) {
        AgentConfig.Gpu gpu = (AgentConfig.Gpu) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { AgentConfig.Gpu.class },
                (proxy, method, args) -> method.getName().equals("reset") ? reset : method.invoke(config.gpu(), args));
        return (AgentConfig) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { AgentConfig.class },
                (proxy, method, args) -> method.getName().equals("gpu") ? gpu : method.invoke(config, args));
    }

    private void assertFails(String expected) {
        JsonPath step = gpuStep();
        assertThat(step.getBoolean("success")).isFalse();
        assertThat(step.getString("message")).isEqualTo(expected);
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
