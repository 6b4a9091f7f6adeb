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
 * Turns {@code fleetlink.agent.tls.*} into the Quarkus settings that make both agent servers speak TLS
 * only: HTTPS on the agent's HTTP port through the TLS registry (configuration {@value #TLS_NAME},
 * plain HTTP refused, certificates reloaded every {@code reload-period}); the gRPC port's TLS, reloaded
 * alike, is set up by {@code agent.grpc.GrpcServerTls} from the same keys. With
 * {@code fleetlink.agent.tls.client-ca-file} both ports require a client certificate from that CA
 * (mutual TLS); which names are accepted is checked by the agent's gates
 * ({@code fleetlink.agent.auth.controller-names}). One set of keys for the operator, instead of a dozen
 * Quarkus keys that must agree. Quarkus keys set explicitly elsewhere win (this source has a low ordinal).
 */
public class AgentTlsConfigSourceFactory implements ConfigSourceFactory {

    static final int ORDINAL = 200;

    /** The name of the agent's configuration in the Quarkus TLS registry. */
    public static final String TLS_NAME = "fleetlink-agent";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        String cert = value(context, "fleetlink.agent.tls.cert-file");
        String key = value(context, "fleetlink.agent.tls.key-file");
        String clientCa = value(context, "fleetlink.agent.tls.client-ca-file");
        String reload = value(context, "fleetlink.agent.tls.reload-period");
        if (cert == null && key == null) {
            if (clientCa != null) {
                throw new IllegalStateException("fleetlink.agent.tls.client-ca-file needs fleetlink.agent.tls.cert-file and key-file: "
                        + "mutual TLS is TLS first");
            }
            return List.of();
        }
        if (cert == null || key == null) {
            throw new IllegalStateException("fleetlink.agent.tls.cert-file and fleetlink.agent.tls.key-file must be set together; "
                    + "only " + (cert == null ? "key-file" : "cert-file") + " is set");
        }
        String prefix = "quarkus.tls." + TLS_NAME + ".";
        Map<String, String> properties = new HashMap<>();
        properties.put(prefix + "key-store.pem.agent.cert", cert);
        properties.put(prefix + "key-store.pem.agent.key", key);
        properties.put(prefix + "reload-period", reload == null ? "1h" : reload);
        properties.put("quarkus.http.tls-configuration-name", TLS_NAME);
        properties.put("quarkus.http.insecure-requests", "disabled");
        // HTTPS takes the agent's HTTP port, so callers keep one port per protocol.
        properties.put("quarkus.http.ssl-port", "${quarkus.http.port}");
        properties.put("quarkus.http.test-ssl-port", "${quarkus.http.test-port}");
        // The gRPC port's TLS is the agent's own (agent.grpc.GrpcServerTls), so it reloads too: Quarkus's
        // quarkus.grpc.server.ssl.* is read once. Those keys stay unset here; setting them would replace
        // the reloading context with a fixed one.
        if (clientCa != null) {
            properties.put(prefix + "trust-store.pem.certs", clientCa);
            properties.put("quarkus.http.ssl.client-auth", "required");
        }
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
