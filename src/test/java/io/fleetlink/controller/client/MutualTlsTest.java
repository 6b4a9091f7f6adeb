package io.fleetlink.controller.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.security.ControllerCertificates;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.support.AgentMutualTlsProfile;
import io.fleetlink.support.FleetCertificates;
import io.fleetlink.support.TestConfigs;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Mutual TLS with certificates made by the test: the controller's certificate is accepted on both
 * transports; no certificate, one from another CA, one the fleet CA gave a GPU machine and an expired
 * one are refused on both; a rotated agent certificate is served without a restart (HTTP port).
 */
@QuarkusTest
@TestProfile(AgentMutualTlsProfile.class)
class MutualTlsTest {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final FleetCertificates PKI = AgentMutualTlsProfile.PKI;

    @Inject
    AgentClients clients;

    @Inject
    ControllerAgentToken token;

    @Inject
    ObjectMapper json;

    private static HostAddress local() {
        return new HostAddress("mtls-agent", "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
    }

    /** The controller's TLS material with {@code client} as its certificate (null: none). */
    private static AgentTls tls(String client) {
        return new AgentTls(client == null
                ? TestConfigs.with("agent.tls-enabled", "true", "agent.tls-cert-file", PKI.ca().toString()).link()
                : TestConfigs.with("agent.tls-enabled", "true", "agent.tls-cert-file", PKI.ca().toString(),
                        "agent.tls-client-cert-file", PKI.certificate(client).toString(),
                        "agent.tls-client-key-file", PKI.key(client).toString()).link());
    }

    private AgentClient http(AgentTls tls) {
        return new HttpAgentClient(local(), token.value(), json, tls.trustStore(), tls.keyStore(), TIMEOUT);
    }

    private AgentClient grpc(AgentTls tls) {
        return new GrpcAgentClient(local(), token.value(), tls.grpcSslContext());
    }

    @Test
    void theControllersCertificateIsAcceptedOverBothTransports() {
        assertThat(clients.call(local(), AgentRpc.PING, null, null, (c, o) -> c.ping(o)).await().atMost(TIMEOUT).hostId())
                .isNotBlank();
        try (AgentClient grpc = grpc(tls("controller"))) {
            assertThat(grpc.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isNotBlank();
        }
    }

    @Test
    void noClientCertificateIsRefusedOverBothTransports() {
        refusedOverBothTransports(tls(null));
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedOverBothTransports() {
        refusedOverBothTransports(tls("stranger"));
    }

    @Test
    void aFleetCertificateThatNamesNoControllerIsRefusedNamingItsNames() {
        AgentTls gpu = tls("gpu-07");
        try (AgentClient http = http(gpu); AgentClient grpc = grpc(gpu)) {
            assertThatThrownBy(() -> http.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnauthorizedException.class, e -> assertThat(e.getMessage())
                            .contains("[gpu-07]", "fleetlink.agent.auth.controller-names"));
            assertThatThrownBy(() -> grpc.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnauthorizedException.class, e -> assertThat(e.getMessage())
                            .contains("[gpu-07]", "fleetlink.agent.auth.controller-names"));
        }
    }

    @Test
    void anExpiredCertificateIsAClearErrorOnBothSides() throws Exception {
        // The controller refuses to start with it, naming the setting and the dates.
        assertThatThrownBy(() -> tls("expired"))
                .hasMessageContaining("agent.tls-client-cert-file").hasMessageContaining("has expired");
        // The agent refuses to start with an expired certificate of its own.
        assertThatThrownBy(() -> ControllerCertificates.checkOwnCertificate(PKI.certificate("expired")))
                .hasMessageContaining("fleetlink.agent.tls.cert-file").hasMessageContaining("has expired");
        // Presented anyway (by a client that does not check), the agent's TLS layer refuses it on both ports.
        for (int port : new int[] { TestPorts.httpPort(), TestPorts.grpcPort() }) {
            assertThatThrownBy(() -> handshake(port, PKI.certificate("expired"), PKI.key("expired")))
                    .as("port %d", port).isInstanceOf(java.io.IOException.class)
                    .hasMessageNotContaining("protocol_version");
            assertThat(handshake(port, PKI.certificate("controller"), PKI.key("controller"))).as("port %d", port).isNotNull();
        }
    }

    @Test
    void aRotatedAgentCertificateIsServedWithoutARestart() throws Exception {
        BigInteger before = handshake(TestPorts.httpPort(), PKI.certificate("controller"), PKI.key("controller"));
        BigInteger rotated = serial(PKI.certificate("agent-rotated"));
        assertThat(before).isEqualTo(serial(PKI.certificate("agent")));
        try {
            PKI.serve("agent-rotated");
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    // A reload that falls between the key's and the certificate's rename serves a pair
                    // that does not match until the next reload: handshakes fail for that moment.
                    .ignoreExceptionsInstanceOf(java.io.IOException.class).untilAsserted(() -> assertThat(
                    handshake(TestPorts.httpPort(), PKI.certificate("controller"), PKI.key("controller"))).isEqualTo(rotated));
            assertThat(clients.call(local(), AgentRpc.PING, null, null, (c, o) -> c.ping(o)).await().atMost(TIMEOUT).hostId())
                    .isNotBlank();
        } finally {
            PKI.serve("agent");
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    // A reload that falls between the key's and the certificate's rename serves a pair
                    // that does not match until the next reload: handshakes fail for that moment.
                    .ignoreExceptionsInstanceOf(java.io.IOException.class).untilAsserted(() -> assertThat(
                    handshake(TestPorts.httpPort(), PKI.certificate("controller"), PKI.key("controller"))).isEqualTo(before));
        }
    }

    private void refusedOverBothTransports(AgentTls tls) {
        try (AgentClient http = http(tls); AgentClient grpc = grpc(tls)) {
            assertThatThrownBy(() -> http.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfAny(AgentUnreachableException.class, AgentUnauthorizedException.class);
            assertThatThrownBy(() -> grpc.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfAny(AgentUnreachableException.class, AgentUnauthorizedException.class);
        }
    }

    /**
     * A raw TLS handshake with {@code cert}/{@code key} that does not check the client's own dates,
     * then a read, so a refused client certificate surfaces as an IOException. The agent's serial.
     */
    private static BigInteger handshake(int port, Path cert, Path key) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        java.security.cert.Certificate certificate = java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(java.nio.file.Files.newInputStream(cert));
        String pem = java.nio.file.Files.readString(key);
        byte[] der = java.util.Base64.getMimeDecoder().decode(pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----") + 27,
                pem.indexOf("-----END PRIVATE KEY-----")));
        keys.setKeyEntry("c", java.security.KeyFactory.getInstance("RSA").generatePrivate(
                new java.security.spec.PKCS8EncodedKeySpec(der)), "p".toCharArray(), new java.security.cert.Certificate[] { certificate });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "p".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(tls(null).trustStore().orElseThrow());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        boolean grpc = port == TestPorts.grpcPort();
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
            // The HTTP port (TLS registry) speaks TLS 1.3 only; there a refused client certificate is
            // an alert after the handshake, so a request is sent and read.
            parameters.setProtocols(new String[] { grpc ? "TLSv1.2" : "TLSv1.3" });
            if (grpc) {
                parameters.setApplicationProtocols(new String[] { "h2" });
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            BigInteger serial = ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
            if (!grpc) {
                socket.getOutputStream().write("GET /api/v1/ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                if (socket.getInputStream().read() < 0) {
                    throw new java.io.EOFException("the agent closed the connection without an answer");
                }
            }
            return serial;
        }
    }

    private static BigInteger serial(Path pem) throws Exception {
        return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(java.nio.file.Files.newInputStream(pem))).getSerialNumber();
    }
}
