package io.fleetlink.support;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fleetlink.agent.FakeNvidiaSmi;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Role {@code all} with every agent operation pointed at private temp paths ({@link HostFixtures}), a
 * fake nvidia-smi and a small exec allowlist; shared by the host-operation tests and the client
 * contract suite so Quarkus starts once for all of them.
 */
public class HostOpsProfile implements QuarkusTestProfile {

    /** Programs the contract suite may run. */
    public static final String ALLOWED_COMMANDS = "echo,/bin/sh";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(Map.of(
                "fleetlink.agent.cleanup.docker-scope", "user",
                "fleetlink.agent.exec.enabled", "true",
                "fleetlink.agent.exec.allowed-commands", ALLOWED_COMMANDS,
                "fleetlink.agent.process.default-grace", "1s",
                // Short, so the hung-nvidia-smi test fails within seconds.
                "fleetlink.agent.gpu.timeout", "3s"));
        overrides.putAll(extraOverrides());
        return overrides;
    }

    /** What a subclass adds. */
    protected Map<String, String> extraOverrides() {
        return Map.of();
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(HostFixtures.class), new TestResourceEntry(FakeNvidiaSmi.class));
    }
}
