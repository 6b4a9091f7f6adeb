package io.fleetlink.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Turns {@code fleetlink.agent.tls.cert-file} / {@code key-file} into the Quarkus settings that make
 * both agent servers speak TLS only: HTTPS on the agent's HTTP port (plain HTTP refused) and TLS on
 * the gRPC port. One pair of keys for the operator, instead of six Quarkus keys that must agree.
 * Quarkus keys set explicitly elsewhere win (this source has a low ordinal).
 */
public class AgentTlsConfigSourceFactory implements ConfigSourceFactory {

    static final int ORDINAL = 200;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        String cert = value(context, "fleetlink.agent.tls.cert-file");
        String key = value(context, "fleetlink.agent.tls.key-file");
        if (cert == null && key == null) {
            return List.of();
        }
        if (cert == null || key == null) {
            throw new IllegalStateException("fleetlink.agent.tls.cert-file and fleetlink.agent.tls.key-file must be set together; "
                    + "only " + (cert == null ? "key-file" : "cert-file") + " is set");
        }
        Map<String, String> properties = new HashMap<>();
        properties.put("quarkus.http.ssl.certificate.files", cert);
        properties.put("quarkus.http.ssl.certificate.key-files", key);
        properties.put("quarkus.http.insecure-requests", "disabled");
        // HTTPS takes the agent's HTTP port, so callers keep one port per protocol.
        properties.put("quarkus.http.ssl-port", "${quarkus.http.port}");
        properties.put("quarkus.http.test-ssl-port", "${quarkus.http.test-port}");
        properties.put("quarkus.grpc.server.ssl.certificate", cert);
        properties.put("quarkus.grpc.server.ssl.key", key);
        properties.put("quarkus.grpc.server.plain-text", "false");
        return List.of(new PropertiesConfigSource(properties, "fleetlink-agent-tls", ORDINAL));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    private static String value(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null || value.getValue().isBlank() ? null : value.getValue();
    }
}
