package io.fleetlink.agent.security;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * The agent's certificate, key and (with mutual TLS) client CA for a TLS server that Quarkus cannot
 * reload itself (the gRPC port: Quarkus 3.33's separate gRPC server reads {@code quarkus.grpc.server.ssl.*}
 * once and does not use the TLS registry). Hands out a key manager and a trust manager that stay the
 * same objects while {@link #reload()} swaps what is behind them: every new handshake sees the files as
 * of the last reload; connections already open keep their session. A half-rotated pair (the key no
 * longer matches the certificate) or an unreadable file keeps the previous material, logged, until the
 * next reload finds a consistent pair. PEM files as the HTTP port reads them (Vert.x).
 */
public final class ReloadingServerTls {

    private final Vertx vertx;
    private final Path certFile;
    private final Path keyFile;
    private final Optional<Path> clientCaFile;
    private final SwappableKeyManager keyManager = new SwappableKeyManager();
    private final SwappableTrustManager trustManager = new SwappableTrustManager();
    private volatile byte[] loadedDigest = new byte[0];
    private volatile X509Certificate served;

    /** Loads the files now; unreadable or inconsistent files stop start-up with the setting's name. */
    public ReloadingServerTls(Vertx vertx, Path certFile, Path keyFile, Optional<Path> clientCaFile) {
        this.vertx = vertx;
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.clientCaFile = clientCaFile;
        try {
            load();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("fleetlink.agent.tls.cert-file / key-file / client-ca-file: cannot load " + certFile + ", "
                    + keyFile + clientCaFile.map(ca -> ", " + ca).orElse("") + ": " + e.getMessage(), e);
        }
    }

    public KeyManager keyManager() {
        return keyManager;
    }

    /** Present with mutual TLS ({@code client-ca-file}). */
    public Optional<TrustManager> trustManager() {
        return clientCaFile.map(ca -> trustManager);
    }

    /** The certificate new handshakes are served now. */
    public X509Certificate served() {
        return served;
    }

    /**
     * Reads the files again and, when they changed and hold a consistent pair, serves them from the
     * next handshake on. Never throws: a failed reload is logged and the previous material stays.
     *
     * @return true when new material is now served
     */
    public boolean reload() {
        try {
            return load();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            Log.warnf("fleetlink.agent.tls: the gRPC port keeps its previous certificate: cannot load %s, %s%s: %s "
                    + "(a rotation still in progress is retried at the next reload)", certFile, keyFile,
                    clientCaFile.map(ca -> ", " + ca).orElse(""), e.getMessage());
            return false;
        }
    }

    private synchronized boolean load() throws IOException, GeneralSecurityException {
        byte[] digest = digest();
        if (Arrays.equals(digest, loadedDigest)) {
            return false;
        }
        PemKeyCertOptions pem = new PemKeyCertOptions().setCertPath(certFile.toString()).setKeyPath(keyFile.toString());
        X509ExtendedKeyManager keys = null;
        try {
            for (KeyManager candidate : pem.getKeyManagerFactory(vertx).getKeyManagers()) {
                if (candidate instanceof X509ExtendedKeyManager extended) {
                    keys = extended;
                }
            }
        } catch (Exception e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
        if (keys == null) {
            throw new GeneralSecurityException("no X.509 key manager for the certificate and key");
        }
        X509Certificate certificate = firstCertificate(certFile);
        matching(keys, certificate);
        X509ExtendedTrustManager trust = null;
        if (clientCaFile.isPresent()) {
            try {
                for (TrustManager candidate : new PemTrustOptions().addCertPath(clientCaFile.get().toString())
                        .getTrustManagerFactory(vertx).getTrustManagers()) {
                    if (candidate instanceof X509ExtendedTrustManager extended) {
                        trust = extended;
                    }
                }
            } catch (Exception e) {
                throw new GeneralSecurityException(e.getMessage(), e);
            }
            if (trust == null) {
                throw new GeneralSecurityException("no X.509 trust manager for " + clientCaFile.get());
            }
        }
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            Log.errorf("fleetlink.agent.tls.cert-file: %s %s (%s); install a valid certificate", certFile,
                    e instanceof CertificateExpiredException ? "has expired" : "is not valid yet", e.getMessage());
        }
        boolean first = served == null;
        keyManager.delegate = keys;
        if (trust != null) {
            trustManager.delegate = trust;
        }
        served = certificate;
        loadedDigest = digest;
        if (!first) {
            Log.infof("fleetlink.agent.tls: the gRPC port serves the new certificate from %s (serial %s, valid until %s)",
                    certFile, certificate.getSerialNumber().toString(16), certificate.getNotAfter().toInstant());
        }
        return true;
    }

    /** The key must be the certificate's: a signature made with it verifies with the certificate's public key. */
    private static void matching(X509ExtendedKeyManager keys, X509Certificate certificate) throws GeneralSecurityException {
        String[] aliases = keys.getServerAliases(certificate.getPublicKey().getAlgorithm(), null);
        PrivateKey key = aliases == null || aliases.length == 0 ? null : keys.getPrivateKey(aliases[0]);
        if (key == null) {
            throw new GeneralSecurityException("no private key of type " + certificate.getPublicKey().getAlgorithm());
        }
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "fleetlink-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException("the key in key-file does not belong to the certificate in cert-file");
        }
    }

    private byte[] digest() throws IOException, GeneralSecurityException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(Files.readAllBytes(certFile));
        sha.update((byte) 0);
        sha.update(Files.readAllBytes(keyFile));
        if (clientCaFile.isPresent()) {
            sha.update((byte) 0);
            sha.update(Files.readAllBytes(clientCaFile.get()));
        }
        return sha.digest();
    }

    private static X509Certificate firstCertificate(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Stays the one key manager of the server's SSL context; what it serves is swapped on reload. */
    private static final class SwappableKeyManager extends X509ExtendedKeyManager {
        volatile X509ExtendedKeyManager delegate;

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return delegate.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return delegate.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return delegate.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return delegate.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return delegate.chooseEngineClientAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }
    }

    /** Stays the one trust manager of the server's SSL context; the CA behind it is swapped on reload. */
    private static final class SwappableTrustManager extends X509ExtendedTrustManager {
        volatile X509ExtendedTrustManager delegate;

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
