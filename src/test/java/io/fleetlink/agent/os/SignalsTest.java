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

    @Test
    void signalsEveryProcessOfAUserAsThatUserAndNoOtherOne() throws Exception {
        io.fleetlink.support.RealParts.requireRoot();
        io.fleetlink.support.TestUsers.TestUser tenant = io.fleetlink.support.TestUsers.create();
        Process mine = new ProcessBuilder("sleep", "60").start();
        List<Process> theirs = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                theirs.add(new ProcessBuilder("setpriv", "--reuid=" + tenant.uid(), "--regid=" + tenant.gid(), "--clear-groups",
                        "sleep", "60").start());
            }
            UserAccount account = new UserAccount(tenant.name(), tenant.uid(), tenant.gid(), tenant.home(), "/bin/sh");
            for (int i = 0; i < 100 && io.fleetlink.support.TestUsers.runningPidsOf(tenant.uid()).size() < 2; i++) {
                Thread.sleep(20);
            }
            assertThat(signals.sendAsUser(account, "KILL")).isEqualTo("sent");
            for (Process process : theirs) {
                assertThat(process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
            assertThat(mine.isAlive()).as("root's process").isTrue();
            assertThatThrownBy(() -> signals.sendAsUser(new UserAccount("root", 0, 0, java.nio.file.Path.of("/root"), "/bin/sh"), "KILL"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> signals.sendAsUser(account, "STOP")).isInstanceOf(IllegalArgumentException.class);
        } finally {
            theirs.forEach(Process::destroyForcibly);
            mine.destroyForcibly();
            io.fleetlink.support.TestUsers.delete(tenant);
        }
    }
}
