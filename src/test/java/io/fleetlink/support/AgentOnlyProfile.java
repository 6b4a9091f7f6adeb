package io.fleetlink.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Role {@code agent}: no controller API, no store, no controller jobs. */
public class AgentOnlyProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("fleetlink.role", "agent");
    }
}
