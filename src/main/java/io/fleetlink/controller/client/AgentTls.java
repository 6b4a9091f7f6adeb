package io.fleetlink.controller.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentLinkConfig;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.quarkus.tls.BaseTlsConfiguration;
import io.quarkus.tls.TlsConfiguration;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.quarkus.runtime.Startup;

/**
 * The trust the controller places in agents when {@code agent.tls-enabled}: only certificates that
 * chain to {@code agent.tls-cert-file}, are valid today and name the host called, by its registered id
 * or its address ({@link AgentHostTrust}, per host, on both transports). With {@code agent.tls-client-cert-file} and {@code -key-file}
 * the controller also presents its own certificate (mutual TLS). Loaded once at start-up; a missing or
 * unreadable file, or an expired or not yet valid client certificate, stops start-up with the key's name.
 */
@Startup
@ApplicationScoped
public class AgentTls {

    /** The in-memory key store's password; the key never leaves this process. */
    static final char[] KEY_PASSWORD = "fleetlink-controller".toCharArray();

    private final Optional<KeyStore> trustStore;
    private final Optional<KeyStore> keyStore;
    private final Optional<SslContext> grpcSslContext;
    private final Optional<X509ExtendedTrustManager> caTrust;
    private final Optional<X509KeyManager> clientKeys;

    public AgentTls(AgentLinkConfig link) {
        if (!link.tlsEnabled()) {
            if (link.tlsClientCertFile().isPresent()) {
                throw new IllegalStateException("agent.tls-client-cert-file is set but agent.tls-enabled is false: "
                        + "mutual TLS needs TLS; set agent.tls-enabled=true and agent.tls-cert-file");
            }
            this.trustStore = Optional.empty();
            this.keyStore = Optional.empty();
            this.grpcSslContext = Optional.empty();
            this.caTrust = Optional.empty();
            this.clientKeys = Optional.empty();
            return;
        }
        Path certFile = link.tlsCertFile().orElseThrow(() -> new IllegalStateException(
                "agent.tls-enabled is true but agent.tls-cert-file is not set: name the PEM file of the CA that signed the agents' certificates"));
        if (link.tlsClientCertFile().isPresent() != link.tlsClientKeyFile().isPresent()) {
            throw new IllegalStateException("agent.tls-client-cert-file and agent.tls-client-key-file must be set together");
        }
        try {
            this.trustStore = Optional.of(trustStore(certFile));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("agent.tls-cert-file: cannot load " + certFile + ": " + e.getMessage(), e);
        }
        Optional<Path> clientCert = link.tlsClientCertFile();
        Optional<Path> clientKey = link.tlsClientKeyFile();
        try {
            this.keyStore = clientCert.isPresent() ? Optional.of(keyStore(clientCert.get(), clientKey.get())) : Optional.empty();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("agent.tls-client-cert-file / -key-file: cannot load " + clientCert.get() + ", "
                    + clientKey.get() + ": " + e.getMessage(), e);
        }
        try {
            SslContextBuilder grpc = GrpcSslContexts.forClient().trustManager(certFile.toFile());
            if (clientCert.isPresent()) {
                grpc.keyManager(clientCert.get().toFile(), clientKey.get().toFile());
            }
            this.grpcSslContext = Optional.of(grpc.build());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("agent.tls-cert-file / agent.tls-client-*: cannot load: " + e.getMessage(), e);
        }
        try {
            this.caTrust = Optional.of(caTrust(trustStore.get()));
            this.clientKeys = keyStore.isPresent() ? Optional.of(clientKeys(keyStore.get())) : Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("agent.tls-cert-file / agent.tls-client-*: cannot load: " + e.getMessage(), e);
        }
    }

    /**
     * TLS for the HTTP adapter calling {@code host}: the fleet CA, the controller's certificate, and
     * {@link AgentHostTrust} instead of host name verification, so the agent's certificate may name
     * the host's id or its address. Empty when TLS is off.
     */
    Optional<TlsConfiguration> httpTls(HostAddress host) {
        if (caTrust.isEmpty()) {
            return Optional.empty();
        }
        AgentHostTrust trust = new AgentHostTrust(caTrust.get(), host.hostId(), host.address());
        Optional<X509KeyManager> keys = clientKeys;
        return Optional.of(new BaseTlsConfiguration() {
            @Override
            public TrustOptions getTrustStoreOptions() {
                return TrustOptions.wrap(trust);
            }

            @Override
            public KeyCertOptions getKeyStoreOptions() {
                return keys.map(KeyCertOptions::wrap).orElse(null);
            }

            @Override
            public Optional<String> getHostnameVerificationAlgorithm() {
                return Optional.of("NONE"); // AgentHostTrust checks the name, against the id as well as the address
            }
        });
    }

    /** The gRPC adapter's TLS for {@code host}, checked by {@link AgentHostTrust} like {@link #httpTls}; empty when TLS is off. */
    Optional<SslContext> grpcSslContext(HostAddress host) {
        if (caTrust.isEmpty()) {
            return Optional.empty();
        }
        try {
            SslContextBuilder grpc = SslContextBuilder.forClient()
                    .trustManager(new AgentHostTrust(caTrust.get(), host.hostId(), host.address()));
            clientKeys.ifPresent(grpc::keyManager);
            // The JDK provider leaves the name to AgentHostTrust; grpc-netty's own check would know only the address.
            return Optional.of(GrpcSslContexts.configure(grpc, SslProvider.JDK).build());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("agent TLS for " + host.hostId() + ": " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager caTrust(KeyStore trustStore) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(trustStore);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager extended) {
                return extended;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager for the fleet CA");
    }

    private static X509KeyManager clientKeys(KeyStore keyStore) throws GeneralSecurityException {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keyStore, KEY_PASSWORD);
        for (KeyManager manager : factory.getKeyManagers()) {
            if (manager instanceof X509KeyManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X.509 key manager for the controller's certificate");
    }

    /** The trust store for the HTTP adapter; empty when TLS is off. */
    Optional<KeyStore> trustStore() {
        return trustStore;
    }

    /** The controller's client certificate and key for the HTTP adapter (password {@link #KEY_PASSWORD}). */
    Optional<KeyStore> keyStore() {
        return keyStore;
    }

    Optional<SslContext> grpcSslContext() {
        return grpcSslContext;
    }

    private static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates(pem)) {
            store.setCertificateEntry("agent-ca-" + i++, certificate);
        }
        return store;
    }

    private static KeyStore keyStore(Path certPem, Path keyPem) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> chain = certificates(certPem);
        X509Certificate leaf = (X509Certificate) chain.iterator().next();
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new GeneralSecurityException("the client certificate has expired (" + e.getMessage() + ")", e);
        } catch (CertificateNotYetValidException e) {
            throw new GeneralSecurityException("the client certificate is not valid yet (" + e.getMessage() + ")", e);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("controller", privateKey(keyPem), KEY_PASSWORD, chain.toArray(Certificate[]::new));
        return store;
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new GeneralSecurityException("no certificate in the file");
            }
            return certificates;
        }
    }

    /** An unencrypted PKCS#8 PEM key ({@code BEGIN PRIVATE KEY}), RSA or EC. */
    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException("the key must be unencrypted PKCS#8 (BEGIN PRIVATE KEY); convert it with: "
                    + "openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        } catch (GeneralSecurityException notRsa) {
            return KeyFactory.getInstance("EC").generatePrivate(spec);
        }
    }
}
