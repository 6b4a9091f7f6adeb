package io.fleetlink.agent;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The one profile of the part-A operation tests: exec on with a small allowlist and a small output
 * cap, a fake nvidia-smi, and short grace periods, so every such test shares one Quarkus start.
 */
public class ExecEnabledProfile implements QuarkusTestProfile {

    /** Bytes of stdout/stderr kept per command in this profile. */
    public static final int OUTPUT_CAP = 4096;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "fleetlink.agent.exec.enabled", "true",
                "fleetlink.agent.exec.allowed-commands", "/bin/sh,/usr/bin/id,echo",
                // The defaults, plus the variables the tests use to mark and steer their commands.
                "fleetlink.agent.exec.allowed-env", "LANG,LC_ALL,TZ,TERM,CUDA_VISIBLE_DEVICES,NVIDIA_VISIBLE_DEVICES,"
                        + "FL_TEST_MARK,OUT,GREETING",
                "fleetlink.agent.exec.max-output-bytes", String.valueOf(OUTPUT_CAP),
                "fleetlink.agent.exec.max-timeout", "20s",
                "fleetlink.agent.process.default-grace", "1s",
                "fleetlink.agent.process.max-grace", "30s",
                "fleetlink.agent.gpu.timeout", "5s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeNvidiaSmi.class));
    }
}
