package io.fleetlink.support;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Role {@code all} with the agent's host operations pointed at private temp paths ({@link HostFixtures});
 * shared by every host-operation test class so Quarkus starts once for all of them.
 */
public class HostOpsProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("fleetlink.agent.cleanup.docker-scope", "user");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(HostFixtures.class));
    }
}
