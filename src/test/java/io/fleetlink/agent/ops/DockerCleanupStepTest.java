package io.fleetlink.agent.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fleetlink.agent.os.FakeDockerEngine;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.config.AgentConfig.DockerScope;
import io.fleetlink.protocol.CleanupMachineResponse.Step;

/** The cleanup's docker step against a fake engine, for what a real dockerd will not do on demand. */
class DockerCleanupStepTest {

    private static final UserAccount ALICE = new UserAccount("alice", 2001, 2001, Path.of("/home/alice"), "/bin/bash");
    private static final String EXEMPT = "fleetlink.exempt";

    @Test
    void aHungEngineFailsTheStepAndRemovesNothing() {
        FakeDockerEngine engine = new FakeDockerEngine().with('a', Map.of("fleetlink.user", "alice")).hung();

        Step step = MachineCleaner.removeContainers(engine, DockerScope.USER, EXEMPT, ALICE, false);

        assertThat(step.type()).isEqualTo("docker");
        assertThat(step.success()).isFalse();
        assertThat(step.message()).contains("did not answer");
        assertThat(step.removed()).isEmpty();
        assertThat(engine.removed()).isEmpty();
    }

    @Test
    void oneRefusedRemovalFailsTheStepButTheOthersStillGo() {
        FakeDockerEngine engine = new FakeDockerEngine()
                .with('a', Map.of("fleetlink.user", "alice"))
                .with('b', Map.of("fleetlink.user", "alice"))
                .with('c', Map.of("fleetlink.user", "bob"))
                .refusingToRemove('a');

        Step step = MachineCleaner.removeContainers(engine, DockerScope.USER, EXEMPT, ALICE, false);

        assertThat(step.success()).isFalse();
        assertThat(step.message()).startsWith("removed 1 of 2 containers labelled fleetlink.user=alice; failed: ")
                .contains("HTTP 409");
        assertThat(step.removed()).containsExactly("bbbbbbbbbbbb");
        assertThat(engine.removed()).containsExactly("b".repeat(64));
    }

    @Test
    void scopeAllSparesExemptContainersAndADryRunOnlyLists() {
        FakeDockerEngine engine = new FakeDockerEngine()
                .with('a', Map.of("fleetlink.user", "bob"))
                .with('b', Map.of(EXEMPT, "true"))
                .with('c', Map.of());

        Step step = MachineCleaner.removeContainers(engine, DockerScope.ALL, EXEMPT, ALICE, true);

        assertThat(step.success()).isTrue();
        assertThat(step.message()).isEqualTo("would remove 2 non-exempt containers");
        assertThat(step.removed()).containsExactly("aaaaaaaaaaaa", "cccccccccccc");
        assertThat(engine.removed()).isEmpty();
    }
}
