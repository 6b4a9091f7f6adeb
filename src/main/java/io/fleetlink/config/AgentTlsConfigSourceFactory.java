package io.fleetlink.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
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
 * plain HTTP refused, certificates reloaded every {@code reload-period}) and TLS on the gRPC port. With
 * {@code fleetlink.agent.tls.client-ca-file} both ports require a client certificate from that CA
 * (mutual TLS); which names are accepted is checked by the agent's gates
 * ({@code fleetlink.agent.auth.controller-names}). One set of keys for the operator, instead of a dozen
 * Quarkus keys that must agree. Quarkus keys set explicitly elsewhere win (this source has a low ordinal).
 */
public class AgentTlsConfigSourceFactory implements ConfigSourceFactory {

    static final int ORDINAL = 200;

    /** The name of the agent's configuration in the Quarkus TLS registry. */
    public static final String TLS_NAME = "fleetlink-agent";

    /** The gRPC server reads a trust store only as PKCS12/JKS: the CA's certificates, public, no secret. */
    static final String TRUST_STORE_PASSWORD = "fleetlink-public-ca";

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
        properties.put("quarkus.grpc.server.ssl.certificate", cert);
        properties.put("quarkus.grpc.server.ssl.key", key);
        properties.put("quarkus.grpc.server.plain-text", "false");
        if (clientCa != null) {
            properties.put(prefix + "trust-store.pem.certs", clientCa);
            properties.put("quarkus.http.ssl.client-auth", "required");
            properties.put("quarkus.grpc.server.ssl.client-auth", "REQUIRED");
            properties.put("quarkus.grpc.server.ssl.trust-store", pkcs12(Path.of(clientCa)).toString());
            properties.put("quarkus.grpc.server.ssl.trust-store-type", "pkcs12");
            properties.put("quarkus.grpc.server.ssl.trust-store-password", TRUST_STORE_PASSWORD);
        }
        return List.of(new PropertiesConfigSource(properties, "fleetlink-agent-tls", ORDINAL));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    /** The CA file as a PKCS12 trust store in a private temporary file, for the gRPC server. */
    private static Path pkcs12(Path pem) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            try (InputStream in = Files.newInputStream(pem)) {
                Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
                if (certificates.isEmpty()) {
                    throw new GeneralSecurityException("no certificate in the file");
                }
                int i = 0;
                for (Certificate certificate : certificates) {
                    store.setCertificateEntry("fleet-ca-" + i++, certificate);
                }
            }
            Path file = Files.createTempFile("fleetlink-client-ca", ".p12",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            file.toFile().deleteOnExit();
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, TRUST_STORE_PASSWORD.toCharArray());
            }
            return file;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("fleetlink.agent.tls.client-ca-file: cannot load " + pem + ": " + e.getMessage(), e);
        }
    }

    private static String value(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null || value.getValue().isBlank() ? null : value.getValue();
    }
}
