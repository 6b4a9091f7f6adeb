package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.support.RealParts;

/**
 * The per-command cgroups are kept for the next command once emptied: a released cgroup is emptied with
 * cgroup.kill, an idle one is only handed out while still empty, and nothing is left when the agent
 * stops. Real cgroup v2 (skipped where none is usable), real processes.
 */
class ExecCgroupsPoolTest {

    private final ExecCgroups cgroups = new ExecCgroups();
    private final List<Process> started = new ArrayList<>();
    private final List<ExecCgroups.Cgroup> made = new ArrayList<>();

    @BeforeEach
    void requireCgroupV2() {
        RealParts.requireRoot();
        assumeTrue(cgroups.usable(), "no usable cgroup v2 with cgroup.kill on this machine");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process process : started) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        cgroups.removeIdle();
        for (ExecCgroups.Cgroup cgroup : made) {
            cgroup.killAndRemove(Duration.ofSeconds(5));
        }
    }

    @Test
    void releaseKillsWhatIsLeftAndTheEmptiedCgroupIsReused() throws Exception {
        ExecCgroups.Cgroup first = create();
        Process straggler = sleeperIn(first);
        assertThat(first.empty()).isFalse();

        assertThat(cgroups.release(first, Duration.ofSeconds(5))).isTrue();

        assertThat(straggler.waitFor(5, TimeUnit.SECONDS)).as("cgroup.kill ended what the command left").isTrue();
        assertThat(first.empty()).isTrue();
        ExecCgroups.Cgroup second = create();
        assertThat(second.dir()).as("the emptied cgroup is handed out again").isEqualTo(first.dir());
        assertThat(second.empty()).isTrue();
    }

    @Test
    void anIdleCgroupThatIsNoLongerEmptyIsNeverHandedOut() throws Exception {
        ExecCgroups.Cgroup idle = create();
        assertThat(cgroups.release(idle, Duration.ofSeconds(5))).isTrue();
        sleeperIn(idle); // only root can do this; the pool must notice

        ExecCgroups.Cgroup next = create();

        assertThat(next.dir()).isNotEqualTo(idle.dir());
        assertThat(next.empty()).isTrue();
    }

    @Test
    void stoppingRemovesTheIdleCgroups() throws Exception {
        ExecCgroups.Cgroup cgroup = create();
        assertThat(cgroups.release(cgroup, Duration.ofSeconds(5))).isTrue();
        assertThat(Files.isDirectory(cgroup.dir())).isTrue();

        cgroups.removeIdle();

        assertThat(Files.exists(cgroup.dir())).isFalse();
    }

    @Test
    void aCgroupReleasedAfterStoppingIsRemovedNotKept() throws Exception {
        ExecCgroups.Cgroup running = create();
        cgroups.removeIdle(); // the agent stops while a command still runs (beans stop in no set order)

        assertThat(cgroups.release(running, Duration.ofSeconds(5))).isTrue();

        assertThat(Files.exists(running.dir())).as("nothing outlives the agent").isFalse();
    }

    @Test
    void anInterruptedReleaseStillEmptiesAndRemovesTheCgroupAndKeepsTheInterrupt() throws Exception {
        ExecCgroups.Cgroup running = create();
        // Two hundred processes take the kernel a moment to end, so the release has to wait for them.
        Process straggler = new ProcessBuilder("sh", "-c", "read go; for i in $(seq 200); do sleep 300 & done; wait").start();
        started.add(straggler);
        Files.writeString(running.procs(), Long.toString(straggler.pid()));
        straggler.getOutputStream().write("go\n".getBytes());
        straggler.getOutputStream().flush();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.readAllLines(running.procs()).size() > 200);
        cgroups.removeIdle(); // the agent stops, and interrupts the worker of a command still running

        Thread.currentThread().interrupt();
        boolean emptied;
        boolean interruptKept;
        try {
            emptied = cgroups.release(running, Duration.ofSeconds(5));
        } finally {
            interruptKept = Thread.interrupted();
        }

        assertThat(interruptKept).as("the interrupt is kept for the caller").isTrue();
        assertThat(emptied).isTrue();
        assertThat(straggler.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.exists(running.dir())).as("nothing outlives the agent").isFalse();
    }

    @Test
    void keepsAtMostAFewIdleCgroups() throws Exception {
        List<ExecCgroups.Cgroup> busy = new ArrayList<>();
        for (int i = 0; i < ExecCgroups.MAX_IDLE + 2; i++) {
            busy.add(create());
        }
        for (ExecCgroups.Cgroup cgroup : busy) {
            assertThat(cgroups.release(cgroup, Duration.ofSeconds(5))).isTrue();
        }
        assertThat(busy.stream().filter(c -> Files.isDirectory(c.dir())).count()).isEqualTo(ExecCgroups.MAX_IDLE);
    }

    private ExecCgroups.Cgroup create() {
        Optional<ExecCgroups.Cgroup> cgroup = cgroups.create();
        assertThat(cgroup).isPresent();
        made.add(cgroup.get());
        return cgroup.get();
    }

    private Process sleeperIn(ExecCgroups.Cgroup cgroup) throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "300").start();
        started.add(sleeper);
        Files.writeString(cgroup.procs(), Long.toString(sleeper.pid()));
        return sleeper;
    }
}
