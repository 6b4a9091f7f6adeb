package io.fleetlink.support;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.config.ControllerConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Builds the controller's config mappings from a few properties, so a test can run the real client
 * layer with its own timeouts, retry and breaker settings without restarting Quarkus.
 */
public final class TestConfigs {

    private final SmallRyeConfig config;

    private TestConfigs(Map<String, String> properties) {
        this.config = new SmallRyeConfigBuilder()
                .withMapping(AgentLinkConfig.class)
                .withMapping(AgentConfig.class)
                .withMapping(ControllerConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
    }

    /** Defaults suited to fault tests: quick backoffs, a small breaker window. Override as needed. */
    public static TestConfigs with(String... keyValues) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "agent.timeout", "2s",
                "fleetlink.controller.retry.initial-backoff", "10ms",
                "fleetlink.controller.retry.max-backoff", "50ms",
                "fleetlink.controller.breaker.request-volume-threshold", "4",
                "fleetlink.controller.breaker.delay", "1s"));
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        return new TestConfigs(properties);
    }

    public AgentLinkConfig link() {
        return config.getConfigMapping(AgentLinkConfig.class);
    }

    public AgentConfig agent() {
        return config.getConfigMapping(AgentConfig.class);
    }

    public ControllerConfig controller() {
        return config.getConfigMapping(ControllerConfig.class);
    }
}
