package io.fleetlink.agent.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fleetlink.agent.FakeNvidiaSmi;
import io.fleetlink.agent.os.GpuDiag;
import io.fleetlink.agent.os.HostCommands;
import io.fleetlink.agent.os.LinuxKernelLog;
import io.fleetlink.agent.os.LinuxNvidiaSmi;
import io.fleetlink.agent.os.ProcFs;
import io.fleetlink.agent.os.Signals;
import io.fleetlink.config.AgentConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * System info's GPU part is read from nvidia-smi at most once per {@code fleetlink.agent.gpu.info-cache},
 * once for callers that ask at the same moment, while the health gate asks nvidia-smi every time. The
 * fake nvidia-smi logs each run; time is a clock the test moves.
 */
class SystemInfoCacheTest {

    private static final String DEVICE_QUERY = "--query-gpu=index,uuid,name,";
    private static final String HEALTH_QUERY = "--query-gpu=index,uuid,pci.bus_id,";

    @TempDir
    Path dir;

    private Path fake;
    private LinuxNvidiaSmi smi;
    private final AtomicLong now = new AtomicLong();

    @BeforeEach
    void fake() throws IOException {
        fake = FakeNvidiaSmi.install(dir);
        smi = new LinuxNvidiaSmi(new HostCommands(), fake.toString(), Duration.ofSeconds(10));
    }

    @Test
    void callsWithinTheIntervalShareOneNvidiaSmiRunAndTheNextIntervalRunsItAgain() throws Exception {
        SystemInfoCollector collector = collector(Duration.ofSeconds(5));
        SystemInfoCollector.GpuPart first = collector.gpus();
        assertThat(first.error()).isNull();
        assertThat(first.gpus()).extracting(gpu -> gpu.uuid()).containsExactly(FakeNvidiaSmi.UUID_0, FakeNvidiaSmi.UUID_1);
        assertThat(first.gpus()).allMatch(gpu -> gpu.retiredPagesPending() == null, "[N/A] on an H100: absent");
        assertThat(runs(DEVICE_QUERY)).isEqualTo(1);
        assertThat(runs(HEALTH_QUERY)).isEqualTo(1);

        now.addAndGet(Duration.ofMillis(4999).toNanos());
        assertThat(collector.gpus()).isSameAs(first);
        assertThat(runs(DEVICE_QUERY)).isEqualTo(1);

        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(collector.gpus()).isNotSameAs(first);
        assertThat(runs(DEVICE_QUERY)).isEqualTo(2);
        assertThat(runs(HEALTH_QUERY)).isEqualTo(2);
    }

    @Test
    void aFailedReadIsKeptForTheIntervalToo() throws Exception {
        // A driver that does not answer is asked once per interval, not once per call.
        SystemInfoCollector collector = collector(Duration.ofSeconds(5));
        FakeNvidiaSmi.setNoDriver(fake, true);
        assertThat(collector.gpus().error()).contains("exited with 9");
        FakeNvidiaSmi.setNoDriver(fake, false);
        assertThat(collector.gpus().error()).contains("exited with 9");
        assertThat(runs(DEVICE_QUERY)).isEqualTo(1);
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(collector.gpus().error()).isNull();
    }

    @Test
    void concurrentCallsShareTheRunInProgress() throws Exception {
        // No cache at all (0s): still one run for the callers that arrive while it is under way.
        SystemInfoCollector collector = collector(Duration.ZERO);
        FakeNvidiaSmi.set(fake, "hold", "");
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<SystemInfoCollector.GpuPart>> answers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(callers.submit(collector::gpus));
            }
            // One caller is inside nvidia-smi (held), the three others wait for its answer.
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> runs(DEVICE_QUERY) == 1 && collector.waitingForGpus() == 3);
            FakeNvidiaSmi.set(fake, "go", "");
            SystemInfoCollector.GpuPart shared = answers.get(0).get(30, TimeUnit.SECONDS);
            for (Future<SystemInfoCollector.GpuPart> answer : answers) {
                assertThat(answer.get(30, TimeUnit.SECONDS)).isSameAs(shared);
            }
            assertThat(shared.gpus()).hasSize(2);
            assertThat(runs(DEVICE_QUERY)).isEqualTo(1);
            // Nothing kept: the next call runs nvidia-smi again.
            collector.gpus();
            assertThat(runs(DEVICE_QUERY)).isEqualTo(2);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void theHealthGateAlwaysAsksNvidiaSmiNow() throws Exception {
        SystemInfoCollector collector = collector(Duration.ofHours(1));
        collector.gpus();
        assertThat(runs(HEALTH_QUERY)).isEqualTo(1);
        GpuScrubber gate = new GpuScrubber(config(), smi, new LinuxKernelLog(LinuxKernelLog.NONE, Duration.ofSeconds(1)),
                unusedDiag(), new ProcFs(), new Signals(new HostCommands(), new ProcFs()), null, new SimpleMeterRegistry());
        assertThat(gate.health().healthy()).isTrue();
        FakeNvidiaSmi.set(fake, "throttle", "hw_slowdown");
        assertThat(gate.health().healthy()).as("the gate sees the GPU as it is now").isFalse();
        assertThat(runs(HEALTH_QUERY)).isEqualTo(3);
        // System info keeps its reading for the interval: nvidia-smi is not run for it.
        assertThat(collector.gpus().gpus().get(1).throttleReasonsActive()).isEmpty();
        assertThat(runs(HEALTH_QUERY)).isEqualTo(3);
    }

    private SystemInfoCollector collector(Duration infoCache) {
        return new SystemInfoCollector(null, null, null, smi, infoCache, now::get);
    }

    /** How many times the fake ran with arguments starting so. */
    private long runs(String argumentsStart) throws IOException {
        Path calls = fake.resolveSibling("calls");
        if (!Files.exists(calls)) {
            return 0;
        }
        try (var lines = Files.lines(calls)) {
            return lines.filter(line -> line.startsWith(argumentsStart)).count();
        }
    }

    /** Only what the gate reads: the state dir, the fatal Xids, no dcgmi diagnostic. */
    private AgentConfig config() {
        Map<String, Object> gpu = Map.of("stateDir", dir.resolve("state").toString(), "fatalXids", List.of(79),
                "diagLevel", 0);
        AgentConfig.Gpu settings = (AgentConfig.Gpu) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { AgentConfig.Gpu.class }, (proxy, method, args) -> {
                    if (!gpu.containsKey(method.getName())) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return gpu.get(method.getName());
                });
        return (AgentConfig) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { AgentConfig.class },
                (proxy, method, args) -> {
                    if (!method.getName().equals("gpu")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return settings;
                });
    }

    private static GpuDiag unusedDiag() {
        return new GpuDiag() {
            @Override
            public boolean installed() {
                return false;
            }

            @Override
            public Result run(int level) {
                throw new AssertionError("the gate's health query runs no diagnostic");
            }
        };
    }
}
