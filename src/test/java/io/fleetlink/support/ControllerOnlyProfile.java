package io.fleetlink.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Role {@code controller}: the agent API and service must be unreachable. */
public class ControllerOnlyProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "fleetlink.role", "controller",
                "fleetlink.controller.agent-token", "controller-side-token-0123456789");
    }
}
