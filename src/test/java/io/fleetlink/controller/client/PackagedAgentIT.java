package io.fleetlink.controller.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.PackagedFleetlink;
import io.fleetlink.support.TestCertificates;
import io.fleetlink.support.TestConfigs;
import io.fleetlink.support.TestPorts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The packaged binary, run as an operator runs it: an agent that answers Ping over HTTP and gRPC
 * (plain and TLS), and start-up refusals that name the setting to fix.
 */
class PackagedAgentIT {

    private static final Duration START = Duration.ofSeconds(90);
    private static final String TOKEN = "packaged-agent-token-0123456789";

    @Test
    void agentAnswersPingOverHttpAndGrpcOnlyWithItsToken() throws Exception {
        int http = TestPorts.freePort();
        int grpc = TestPorts.freePort();
        try (PackagedFleetlink agent = PackagedFleetlink.start("fleetlink.role=agent", "fleetlink.agent.auth.token=" + TOKEN,
                "quarkus.http.port=" + http, "quarkus.grpc.server.port=" + grpc).awaitStarted(START)) {
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/api/v1/ping"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).startsWith("{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":{\"host_id\":");
            HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/api/v1/ping"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).contains("\"code\":401");

            String management = "http://127.0.0.1:" + agent.managementPort();
            assertThat(client.send(HttpRequest.newBuilder(URI.create(management + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(client.send(HttpRequest.newBuilder(URI.create(management + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            for (String path : new String[] {"/q/health/ready", "/q/metrics"}) {
                assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + path)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).as("%s on the API port", path).isEqualTo(404);
            }

            try (AgentGrpc grpcClient = new AgentGrpc(grpc)) {
                AgentProto.PingResponse response = grpcClient.stub(TOKEN).ping(AgentProto.PingRequest.getDefaultInstance());
                assertThat(response.getHostId()).isNotBlank();
                assertThatThrownBy(() -> grpcClient.stub(null).ping(AgentProto.PingRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            }
            assertThat(agent.output()).doesNotContain(TOKEN);
        }
    }

    @Test
    void agentWithACertificateServesGrpcOverTlsToTheControllersAdapter() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        int http = TestPorts.freePort();
        int grpc = TestPorts.freePort();
        try (PackagedFleetlink agent = PackagedFleetlink.start("fleetlink.role=agent", "fleetlink.agent.auth.token=" + TOKEN,
                "quarkus.http.port=" + http, "quarkus.grpc.server.port=" + grpc,
                "fleetlink.agent.tls.cert-file=" + certificates.agentCertificate(),
                "fleetlink.agent.tls.key-file=" + certificates.agentKey()).awaitStarted(START)) {
            HostAddress host = new HostAddress("packaged", "127.0.0.1", http, grpc);
            AgentTls trusted = new AgentTls(TestConfigs.with("agent.tls-enabled", "true",
                    "agent.tls-cert-file", certificates.caCertificate().toString()).link());
            try (AgentClient client = new GrpcAgentClient(host, TOKEN, trusted.grpcSslContext())) {
                assertThat(client.ping(CallOptions.of(Duration.ofSeconds(10))).await().atMost(Duration.ofSeconds(15)).hostId())
                        .isNotBlank();
            }
            AgentTls otherCa = new AgentTls(TestConfigs.with("agent.tls-enabled", "true",
                    "agent.tls-cert-file", certificates.otherCaCertificate().toString()).link());
            try (AgentClient client = new GrpcAgentClient(host, TOKEN, otherCa.grpcSslContext())) {
                assertThatThrownBy(() -> client.ping(CallOptions.of(Duration.ofSeconds(10))).await().atMost(Duration.ofSeconds(15)))
                        .isInstanceOfSatisfying(AgentUnreachableException.class, e -> assertThat(e.getMessage()).contains("TLS"));
            }
        }
    }

    @Test
    void agentWithoutATokenRefusesToStartAndSaysHowToSetOne() throws Exception {
        try (PackagedFleetlink agent = PackagedFleetlink.start("fleetlink.role=agent",
                "quarkus.http.port=" + TestPorts.freePort(), "quarkus.grpc.server.port=" + TestPorts.freePort())) {
            assertThat(agent.awaitExit(START)).isNotZero();
            assertThat(agent.output()).contains("The agent needs a bearer token", "fleetlink.agent.auth.token-file",
                    "FLEETLINK_AGENT_AUTH_TOKEN");
        }
    }

    @Test
    void wrongSettingsStopStartUpNamingTheKeyAndAllowedValues() throws Exception {
        assertRefused("agent.protocol=ftp", "agent.protocol", "allowed values: http,grpc");
        assertRefused("agent.timeout=-5s", "agent.timeout must be a positive duration");
        assertRefused("fleetlink.role=bogus", "fleetlink.role", "allowed values: all,agent,controller");
    }

    private static void assertRefused(String setting, String... expected) throws Exception {
        String role = setting.startsWith("fleetlink.role") ? setting : "fleetlink.role=agent";
        try (PackagedFleetlink process = PackagedFleetlink.start(role, setting, "fleetlink.agent.auth.token=" + TOKEN,
                "quarkus.http.port=" + TestPorts.freePort(), "quarkus.grpc.server.port=" + TestPorts.freePort())) {
            assertThat(process.awaitExit(START)).as("exit code with %s", setting).isNotZero();
            assertThat(process.output()).contains(expected);
        }
    }
}
