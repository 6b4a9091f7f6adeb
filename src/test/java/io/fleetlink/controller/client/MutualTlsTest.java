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
 * transports; no certificate, one from another CA, one the fleet CA gave a GPU machine, an expired and
 * a not yet valid one are refused on both. The controller accepts an agent certificate that names the
 * host's id or its address and refuses one for another host, naming the names it had, and one that is
 * expired or not yet valid. A rotated agent certificate is served without a restart on both ports.
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
    void aCertificateLimitsTheOperationsItsCallsReachOnBothTransports() {
        // The token allows gpu-health (the test configuration), the controller's certificate does not.
        AgentTls controller = tls("controller");
        try (AgentClient http = http(controller); AgentClient grpc = grpc(controller)) {
            for (AgentClient client : new AgentClient[] { http, grpc }) {
                assertThatThrownBy(() -> client.checkGpuHealth(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                        .as(client.getClass().getSimpleName())
                        .isInstanceOfSatisfying(AgentRejectedException.class, e -> assertThat(e.getMessage()).contains(
                                "certificate 'fleetlink-controller' may not call gpu-health",
                                "fleetlink.agent.auth.certificate-operations.fleetlink-controller"));
                assertThat(client.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isNotBlank();
            }
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
    void aNotYetValidCertificateIsAClearErrorOnBothSides() throws Exception {
        assertThatThrownBy(() -> tls("controller-future"))
                .hasMessageContaining("agent.tls-client-cert-file").hasMessageContaining("not valid yet");
        assertThatThrownBy(() -> ControllerCertificates.checkOwnCertificate(PKI.certificate("agent-future")))
                .hasMessageContaining("fleetlink.agent.tls.cert-file").hasMessageContaining("not valid yet");
        for (int port : new int[] { TestPorts.httpPort(), TestPorts.grpcPort() }) {
            assertThatThrownBy(() -> handshake(port, PKI.certificate("controller-future"), PKI.key("controller-future")))
                    .as("port %d", port).isInstanceOf(java.io.IOException.class)
                    .hasMessageNotContaining("protocol_version");
        }
    }

    @Test
    void anAgentServingAnExpiredOrNotYetValidCertificateIsAClearErrorAtTheController() throws Exception {
        AgentTls controller = tls("controller");
        for (String[] served : new String[][] { { "agent-expired", "has expired" }, { "agent-future", "is not valid yet" } }) {
            serving(served[0], () -> {
                try (AgentClient http = hostClientHttp(controller, local()); AgentClient grpc = hostClientGrpc(controller, local())) {
                    for (AgentClient client : new AgentClient[] { http, grpc }) {
                        assertThatThrownBy(() -> client.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                                .as("%s over %s", served[0], client.getClass().getSimpleName())
                                .isInstanceOf(AgentUnreachableException.class)
                                .hasMessageContaining("the certificate of agent mtls-agent").hasMessageContaining(served[1]);
                    }
                }
            });
        }
    }

    @Test
    void aCertificateNamingTheHostIdIsAcceptedAndOneForAnotherHostIsRefusedNamingItsNames() throws Exception {
        AgentTls controller = tls("controller");
        // The agent's certificate names only "mtls-agent", not the address 127.0.0.1 it is called at.
        serving("agent-by-id", () -> {
            try (AgentClient http = hostClientHttp(controller, local()); AgentClient grpc = hostClientGrpc(controller, local())) {
                assertThat(http.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isNotBlank();
                assertThat(grpc.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isNotBlank();
            }
            // The same agent registered as another host: neither its id nor its address is in the certificate.
            HostAddress other = new HostAddress("gpu-02", "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
            try (AgentClient http = hostClientHttp(controller, other); AgentClient grpc = hostClientGrpc(controller, other)) {
                for (AgentClient client : new AgentClient[] { http, grpc }) {
                    assertThatThrownBy(() -> client.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                            .as(client.getClass().getSimpleName()).isInstanceOf(AgentUnreachableException.class)
                            .hasMessageContaining("names [mtls-agent]").hasMessageContaining("'gpu-02'")
                            .hasMessageContaining("'127.0.0.1'");
                }
            }
        });
        // A certificate the fleet CA gave another machine, served by this one: refused, naming what it had.
        serving("gpu-07", () -> {
            try (AgentClient http = hostClientHttp(controller, local()); AgentClient grpc = hostClientGrpc(controller, local())) {
                for (AgentClient client : new AgentClient[] { http, grpc }) {
                    assertThatThrownBy(() -> client.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                            .as(client.getClass().getSimpleName()).isInstanceOf(AgentUnreachableException.class)
                            .hasMessageContaining("names [gpu-07]").hasMessageContaining("'mtls-agent'");
                }
            }
            // Through the controller's own client layer too (a host entry of its own, so no breaker or
            // pooled connection of the other tests is involved).
            HostAddress fresh = new HostAddress("mtls-agent-2", "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
            assertThatThrownBy(() -> clients.call(fresh, AgentRpc.PING, null, null, (c, o) -> c.ping(o)).await().atMost(TIMEOUT))
                    .hasMessageContaining("names [gpu-07]");
            clients.evict(fresh.hostId());
        });
    }

    @Test
    void aRotatedAgentCertificateIsServedWithoutARestartOnBothPorts() throws Exception {
        BigInteger before = served(TestPorts.httpPort());
        assertThat(before).isEqualTo(serial(PKI.certificate("agent")));
        assertThat(served(TestPorts.grpcPort())).isEqualTo(before);
        serving("agent-rotated", () -> {
            // Full handshakes with the controller's certificate, trusting the fleet CA, on both ports.
            assertThat(handshake(TestPorts.httpPort(), PKI.certificate("controller"), PKI.key("controller")))
                    .isEqualTo(serial(PKI.certificate("agent-rotated")));
            assertThat(handshake(TestPorts.grpcPort(), PKI.certificate("controller"), PKI.key("controller")))
                    .isEqualTo(serial(PKI.certificate("agent-rotated")));
            clients.evict(local().hostId()); // no connection pooled before the rotation
            assertThat(clients.call(local(), AgentRpc.PING, null, null, (c, o) -> c.ping(o)).await().atMost(TIMEOUT).hostId())
                    .isNotBlank();
            try (AgentClient grpc = hostClientGrpc(tls("controller"), local())) {
                assertThat(grpc.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isNotBlank();
            }
        });
        assertThat(served(TestPorts.grpcPort())).isEqualTo(before);
    }

    /** Serves {@code name}'s certificate on both ports (waiting for the reload), runs {@code body}, then the original again. */
    private static void serving(String name, ThrowingRunnable body) throws Exception {
        BigInteger wanted = serial(PKI.certificate(name));
        BigInteger original = serial(PKI.certificate("agent"));
        try {
            PKI.serve(name);
            awaitServed(wanted);
            body.run();
        } finally {
            PKI.serve("agent");
            awaitServed(original);
        }
    }

    private static void awaitServed(BigInteger serial) {
        Awaitility.await().atMost(Duration.ofSeconds(60))
                // A reload that falls between the key's and the certificate's rename serves a pair
                // that does not match until the next reload: handshakes fail for that moment.
                .ignoreExceptionsInstanceOf(java.io.IOException.class).untilAsserted(() -> {
                    assertThat(served(TestPorts.httpPort())).as("HTTP port").isEqualTo(serial);
                    assertThat(served(TestPorts.grpcPort())).as("gRPC port").isEqualTo(serial);
                });
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private AgentClient hostClientHttp(AgentTls tls, HostAddress host) {
        return HttpAgentClient.withTls(host, token.value(), json, tls.httpTls(host), TIMEOUT);
    }

    private AgentClient hostClientGrpc(AgentTls tls, HostAddress host) {
        return new GrpcAgentClient(host, token.value(), tls.grpcSslContext(host));
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
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(tls(null).trustStore().orElseThrow());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers(cert, key), tmf.getTrustManagers(), null);
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

    /** The serial of the certificate {@code port} serves now, read with the controller's certificate and no checks. */
    private static BigInteger served(int port) throws Exception {
        java.security.cert.X509Certificate[][] seen = new java.security.cert.X509Certificate[1][];
        javax.net.ssl.X509TrustManager anything = new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                seen[0] = chain;
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers(PKI.certificate("controller"), PKI.key("controller")), new javax.net.ssl.TrustManager[] { anything }, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] { port == TestPorts.grpcPort() ? "TLSv1.2" : "TLSv1.3" });
            if (port == TestPorts.grpcPort()) {
                parameters.setApplicationProtocols(new String[] { "h2" });
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return seen[0][0].getSerialNumber();
        }
    }

    private static javax.net.ssl.KeyManager[] keyManagers(Path cert, Path key) throws Exception {
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
        return kmf.getKeyManagers();
    }

    private static BigInteger serial(Path pem) throws Exception {
        return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(java.nio.file.Files.newInputStream(pem))).getSerialNumber();
    }
}
