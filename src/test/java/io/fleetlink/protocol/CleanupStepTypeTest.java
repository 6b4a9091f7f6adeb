package io.fleetlink.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CleanupStepTypeTest {

    @Test
    void keepsTheWireNamesAndTheirRunOrder() {
        assertThat(CleanupStepType.wireNames()).containsExactly("process", "docker", "gpu", "data", "ssh", "datasets");
        // What the controller asks for: every step, in run order; an older agent is asked again without gpu.
        assertThat(CleanupMachineRequest.CONTROLLER_TYPES).containsExactly("process", "docker", "gpu", "data", "ssh", "datasets");
        assertThat(CleanupStepType.fromWireName("docker")).contains(CleanupStepType.DOCKER);
        assertThat(CleanupStepType.fromWireName("gpu")).contains(CleanupStepType.GPU);
    }

    @Test
    void knowsNoOtherNameNotEvenInAnotherCase() {
        assertThat(CleanupStepType.fromWireName("DOCKER")).isEmpty();
        assertThat(CleanupStepType.fromWireName("images")).isEmpty();
        assertThat(CleanupStepType.fromWireName(null)).isEmpty();
    }
}
