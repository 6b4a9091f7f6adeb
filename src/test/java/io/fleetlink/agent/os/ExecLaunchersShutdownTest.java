package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestConfigs;

/**
 * An agent that stops while it is making a launcher leaves no exec cgroup behind: the launcher being made is
 * discarded and its cgroup removed before stopping returns. Real cgroup v2, real bash.
 */
class ExecLaunchersShutdownTest {

    @Test
    void stoppingWhileLaunchersAreBeingMadeLeavesNoCgroup() throws Exception {
        RealParts.requireRoot();
        ExecCgroups probe = new ExecCgroups();
        assumeTrue(probe.usable(), "no usable cgroup v2 with cgroup.kill on this machine");
        ExecCgroups.Cgroup one = probe.create().orElseThrow();
        Path parent = one.dir().getParent();
        one.killAndRemove(Duration.ofSeconds(5));

        for (int round = 0; round < 20; round++) {
            Set<Path> before = execCgroups(parent);
            ExecCgroups cgroups = new ExecCgroups();
            ExecLaunchers launchers = new ExecLaunchers(cgroups, TestConfigs.with().agent());
            assertThat(launchers.take()).as("none is ready before the first call").isEmpty();
            Thread.sleep(round % 10); // stop at different points of the making

            launchers.close();
            cgroups.removeIdle();

            Set<Path> left = execCgroups(parent);
            left.removeAll(before);
            assertThat(left).as("exec cgroups left by an agent stopped in round " + round).isEmpty();
        }
    }

    private static Set<Path> execCgroups(Path parent) throws IOException {
        try (Stream<Path> children = Files.list(parent)) {
            return children.filter(path -> path.getFileName().toString().startsWith(ExecCgroups.PREFIX))
                    .collect(Collectors.toCollection(HashSet::new));
        }
    }
}
