package io.fleetlink.controller.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentLinkConfig;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.quarkus.runtime.Startup;

/**
 * The trust the controller places in agents when {@code agent.tls-enabled}: only certificates that
 * chain to {@code agent.tls-cert-file}. Loaded once at start-up; a missing or unreadable file stops
 * start-up with the key's name.
 */
@Startup
@ApplicationScoped
public class AgentTls {

    private final Optional<KeyStore> trustStore;
    private final Optional<SslContext> grpcSslContext;

    public AgentTls(AgentLinkConfig link) {
        if (!link.tlsEnabled()) {
            this.trustStore = Optional.empty();
            this.grpcSslContext = Optional.empty();
            return;
        }
        Path certFile = link.tlsCertFile().orElseThrow(() -> new IllegalStateException(
                "agent.tls-enabled is true but agent.tls-cert-file is not set: name the PEM file of the CA that signed the agents' certificates"));
        try {
            this.trustStore = Optional.of(trustStore(certFile));
            this.grpcSslContext = Optional.of(GrpcSslContexts.forClient().trustManager(certFile.toFile()).build());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("agent.tls-cert-file: cannot load " + certFile + ": " + e.getMessage(), e);
        }
    }

    /** The trust store for the HTTP adapter; empty when TLS is off. */
    Optional<KeyStore> trustStore() {
        return trustStore;
    }

    Optional<SslContext> grpcSslContext() {
        return grpcSslContext;
    }

    private static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new GeneralSecurityException("no certificate in the file");
            }
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("agent-ca-" + i++, certificate);
            }
        }
        return store;
    }
}
