package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SignalsTest {

    private final ProcFs procFs = new ProcFs();
    private final Signals signals = new Signals(new HostCommands(), procFs);

    @Test
    void neverSignalsPidOneOrTheAgentItself() {
        ProcessInfo init = procFs.stat(1).orElseThrow();
        ProcessInfo self = procFs.stat((int) ProcessHandle.current().pid()).orElseThrow();
        assertThat(signals.signallable(init)).isFalse();
        assertThat(signals.signallable(self)).isFalse();
        assertThat(signals.send("TERM", List.of(init, self))).isEmpty();
        assertThat(procFs.alive(self)).isTrue();
        assertThatThrownBy(() -> signals.killGroup(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> signals.killGroup((int) ProcessHandle.current().pid())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void doesNotSignalAPidThatNowBelongsToAnotherProcess() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            ProcessInfo real = awaitStat((int) sleeper.pid());
            ProcessInfo earlier = new ProcessInfo(real.pid(), real.ppid(), real.uid(), real.state(), real.startTime() - 1, real.comm());
            assertThat(signals.send("KILL", List.of(earlier))).isEmpty();
            assertThat(sleeper.isAlive()).isTrue();

            assertThat(signals.send("KILL", List.of(real))).containsExactly(real.pid());
            assertThat(signals.awaitGone(List.of(real), Duration.ofSeconds(5))).isEmpty();
        } finally {
            sleeper.destroyForcibly();
        }
    }

    private ProcessInfo awaitStat(int pid) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            var info = procFs.stat(pid).filter(p -> p.comm().equals("sleep"));
            if (info.isPresent()) {
                return info.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("sleep " + pid + " did not show up in /proc");
    }
}
