package io.fleetlink.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Role {@code all} for the handover tests: a 1 s {@code agent.timeout} (so a cleanup can outlast it), a
 * retry budget that outlasts a 10 s agent outage, and a short breaker delay.
 */
public class HandoverProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "agent.timeout", "1s",
                "fleetlink.controller.pipeline.retry-for", "60s",
                "fleetlink.controller.breaker.delay", "2s",
                "fleetlink.controller.retry.max-backoff", "500ms");
    }
}
