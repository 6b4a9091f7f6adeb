package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.fleetlink.agent.rest.AgentResource;
import io.fleetlink.agent.security.AgentCredentials;
import io.fleetlink.config.AgentPermission;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.proto.agent.v1.AgentServiceGrpc;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.AuditCapture;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Each agent credential calls only the operations it lists, on both transports: ping and system info
 * for every valid credential; the main credential with the shipped default (no exec); an exec-only
 * credential; a credential listing nothing. A refusal is 403 / PERMISSION_DENIED naming the operation
 * and the credential, is audited as {@code rejected} with the credential's id, and changes nothing.
 */
@QuarkusTest
@TestProfile(AgentOperationsProfile.class)
class AgentOperationPermissionTest {

    static final String MAIN = AgentGrpc.TOKEN;
    static final String EXEC = AgentOperationsProfile.EXEC_TOKEN;
    static final String READER = AgentOperationsProfile.READER_TOKEN;

    /** Each operation's HTTP method and path. */
    static final Map<AgentRpc, String[]> HTTP = Map.of(
            AgentRpc.PING, new String[] { "GET", "/api/v1/ping" },
            AgentRpc.SYSTEM_INFO, new String[] { "GET", "/api/v1/system/info" },
            AgentRpc.GPU_HEALTH, new String[] { "GET", "/api/v1/gpu/health" },
            AgentRpc.PROCESS_STOP, new String[] { "POST", "/api/v1/process/stop" },
            AgentRpc.SSH_RESET, new String[] { "POST", "/api/v1/ssh/reset" },
            AgentRpc.MACHINE_CLEANUP, new String[] { "POST", "/api/v1/machine/cleanup" },
            AgentRpc.DATASET_MOUNT, new String[] { "POST", "/api/v1/dataset/mount" },
            AgentRpc.DATASET_UNMOUNT, new String[] { "POST", "/api/v1/dataset/unmount" },
            AgentRpc.COMMAND_EXEC, new String[] { "POST", "/api/v1/command/exec" });

    /** Every mutating operation a credential may lack, with who may not call it. */
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("agent-token", MAIN, AgentRpc.COMMAND_EXEC),
                Arguments.of("exec", EXEC, AgentRpc.MACHINE_CLEANUP),
                Arguments.of("exec", EXEC, AgentRpc.PROCESS_STOP),
                Arguments.of("exec", EXEC, AgentRpc.SSH_RESET),
                Arguments.of("exec", EXEC, AgentRpc.DATASET_MOUNT),
                Arguments.of("exec", EXEC, AgentRpc.DATASET_UNMOUNT),
                Arguments.of("exec", EXEC, AgentRpc.GPU_HEALTH),
                Arguments.of("reader", READER, AgentRpc.COMMAND_EXEC),
                Arguments.of("reader", READER, AgentRpc.MACHINE_CLEANUP),
                Arguments.of("reader", READER, AgentRpc.PROCESS_STOP),
                Arguments.of("reader", READER, AgentRpc.SSH_RESET),
                Arguments.of("reader", READER, AgentRpc.DATASET_MOUNT),
                Arguments.of("reader", READER, AgentRpc.DATASET_UNMOUNT),
                Arguments.of("reader", READER, AgentRpc.GPU_HEALTH));
    }

    @ParameterizedTest(name = "{0} may not call {2} over HTTP")
    @MethodSource("refusals")
    void httpRefusesAnOperationTheCredentialLacks(String id, String token, AgentRpc operation) {
        String requestId = "perm-http-" + UUID.randomUUID();
        try (AuditCapture audit = AuditCapture.install()) {
            String[] route = HTTP.get(operation);
            var request = given().header("Authorization", "Bearer " + token).header("X-Request-Id", requestId)
                    .contentType("application/json");
            var response = route[0].equals("GET") ? request.when().get(route[1]) : request.body("{}").when().post(route[1]);
            response.then().statusCode(403).body("success", equalTo(false))
                    .body("message", allOf(containsString(operation.configName()), containsString("'" + id + "'")));
            assertRejected(audit, requestId, id, operation);
        }
    }

    @ParameterizedTest(name = "{0} may not call {2} over gRPC")
    @MethodSource("refusals")
    void grpcRefusesAnOperationTheCredentialLacks(String id, String token, AgentRpc operation) throws Exception {
        String requestId = "perm-grpc-" + UUID.randomUUID();
        try (AgentGrpc grpc = AgentGrpc.local(); AuditCapture audit = AuditCapture.install()) {
            io.grpc.Metadata headers = new io.grpc.Metadata();
            headers.put(io.grpc.Metadata.Key.of("x-request-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), requestId);
            AgentServiceGrpc.AgentServiceBlockingStub stub = grpc.stub(token)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
            assertThatThrownBy(() -> grpcCall(stub, operation)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(e.getStatus().getDescription()).contains(operation.configName(), "'" + id + "'");
            });
            assertRejected(audit, requestId, id, operation);
        }
    }

    @Test
    void everyCredentialMayPingAndReadSystemInfoOnBothTransports() throws Exception {
        for (String token : List.of(MAIN, EXEC, READER)) {
            given().header("Authorization", "Bearer " + token).when().get("/api/v1/ping").then().statusCode(200);
            given().header("Authorization", "Bearer " + token).when().get("/api/v1/system/info").then().statusCode(200);
            try (AgentGrpc grpc = AgentGrpc.local()) {
                assertThat(grpc.stub(token).ping(AgentProto.PingRequest.getDefaultInstance()).getHostId()).isNotBlank();
                assertThat(grpc.stub(token).getSystemInfo(AgentProto.GetSystemInfoRequest.getDefaultInstance()).getHostname())
                        .isNotBlank();
            }
        }
    }

    @Test
    void aRefusedExecChangesNothingAndTheExecCredentialRunsIt() throws Exception {
        Path dir = Files.createTempDirectory("fleetlink-perm");
        try {
            Path httpMark = dir.resolve("http-mark");
            Path grpcMark = dir.resolve("grpc-mark");
            String body = "{\"command\": [\"/usr/bin/touch\", \"" + httpMark + "\"]}";
            given().header("Authorization", "Bearer " + MAIN).contentType("application/json").body(body)
                    .when().post("/api/v1/command/exec").then().statusCode(403);
            try (AgentGrpc grpc = AgentGrpc.local()) {
                AgentProto.ExecuteCommandRequest touch = AgentProto.ExecuteCommandRequest.newBuilder()
                        .addCommand("/usr/bin/touch").addCommand(grpcMark.toString()).build();
                assertThatThrownBy(() -> grpc.stub(MAIN).executeCommand(touch)).isInstanceOf(StatusRuntimeException.class);
                assertThat(httpMark).doesNotExist();
                assertThat(grpcMark).doesNotExist();
                // The same commands with the exec credential run: the refusal was the permission, nothing else.
                // The audit line of each names the credential that ran it.
                String httpId = "perm-exec-http-" + UUID.randomUUID();
                String grpcId = "perm-exec-grpc-" + UUID.randomUUID();
                try (AuditCapture audit = AuditCapture.install()) {
                    given().header("Authorization", "Bearer " + EXEC).header("X-Request-Id", httpId)
                            .contentType("application/json").body(body)
                            .when().post("/api/v1/command/exec").then().statusCode(200).body("data.exit_code", equalTo(0));
                    io.grpc.Metadata headers = new io.grpc.Metadata();
                    headers.put(io.grpc.Metadata.Key.of("x-request-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), grpcId);
                    assertThat(grpc.stub(EXEC).withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                            .executeCommand(touch).getExitCode()).isZero();
                    for (String id : List.of(httpId, grpcId)) {
                        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                                .until(() -> audit.of(id, "execution").size() == 1);
                        assertThat(audit.of(id, "execution").get(0).path("credential").asText()).as(id).isEqualTo("exec");
                    }
                }
            }
            assertThat(httpMark).exists();
            assertThat(grpcMark).exists();
        } finally {
            io.fleetlink.support.TempFiles.deleteRecursively(dir);
        }
    }

    @jakarta.inject.Inject
    io.fleetlink.controller.client.AgentClients clients;

    @Test
    void theControllerExecsWithItsExecCredentialAndEverythingElseWithItsNormalOne() throws Exception {
        Path dir = Files.createTempDirectory("fleetlink-perm-controller");
        try {
            Path mark = dir.resolve("controller-mark");
            var host = new io.fleetlink.controller.client.HostAddress("perm-local", "127.0.0.1",
                    io.fleetlink.support.TestPorts.httpPort(), io.fleetlink.support.TestPorts.grpcPort());
            var touch = new io.fleetlink.protocol.ExecuteCommandRequest(List.of("/usr/bin/touch", mark.toString()), null, null, 10, null);
            String requestId = "perm-controller-" + UUID.randomUUID();
            try (AuditCapture audit = AuditCapture.install()) {
                var result = clients.call(host, AgentRpc.COMMAND_EXEC, requestId, 10, (c, o) -> c.executeCommand(touch, o))
                        .await().atMost(java.time.Duration.ofSeconds(30));
                assertThat(result.exitCode()).isZero();
                assertThat(mark).exists();
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> audit.of(requestId, "execution").size() == 1);
                assertThat(audit.of(requestId, "execution").get(0).path("credential").asText()).isEqualTo("exec");
                // Everything else goes out with the normal credential, which may not exec.
                assertThat(clients.call(host, AgentRpc.PING, null, null, (c, o) -> c.ping(o))
                        .await().atMost(java.time.Duration.ofSeconds(30)).hostId()).isNotBlank();
            }
        } finally {
            clients.evict("perm-local");
            io.fleetlink.support.TempFiles.deleteRecursively(dir);
        }
    }

    @Test
    void everyAgentOperationHasAPermissionEntryOnBothTransports() throws Exception {
        // A resource method or rpc missing from the gates' tables would be refused to everyone; this
        // keeps the tables complete as operations are added.
        List<String> resourceMethods = Arrays.stream(AgentResource.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(GET.class) || m.isAnnotationPresent(POST.class))
                .map(Method::getName).toList();
        assertThat(resourceMethods).hasSize(AgentRpc.values().length);
        Map<String, AgentRpc> http = table("io.fleetlink.agent.security.AgentApiGate");
        assertThat(http.keySet()).containsExactlyInAnyOrderElementsOf(resourceMethods);
        Map<String, AgentRpc> grpc = table("io.fleetlink.agent.grpc.AgentGrpcGate");
        assertThat(grpc.keySet()).containsExactlyInAnyOrderElementsOf(AgentServiceGrpc.getServiceDescriptor().getMethods()
                .stream().map(m -> ((MethodDescriptor<?, ?>) m).getFullMethodName()).toList());
        assertThat(http.values()).containsExactlyInAnyOrder(AgentRpc.values());
        assertThat(grpc.values()).containsExactlyInAnyOrder(AgentRpc.values());
        // Only ping and system info are open to every credential.
        assertThat(Arrays.stream(AgentRpc.values()).filter(op -> AgentPermission.requiredBy(op).isEmpty()))
                .containsExactlyInAnyOrder(AgentRpc.PING, AgentRpc.SYSTEM_INFO);
        assertThat(AgentCredentials.MAIN_ID).isEqualTo("agent-token");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, AgentRpc> table(String gate) throws Exception {
        var field = Class.forName(gate).getDeclaredField("OPERATIONS");
        field.setAccessible(true);
        return (Map<String, AgentRpc>) field.get(null);
    }

    private static void assertRejected(AuditCapture audit, String requestId, String id, AgentRpc operation) {
        List<JsonNode> lines = audit.of(requestId, "rejected");
        assertThat(lines).as("rejected audit lines of %s", requestId).hasSize(1);
        assertThat(lines.get(0).path("credential").asText()).isEqualTo(id);
        assertThat(lines.get(0).path("operation").asText()).isEqualTo(operation.configName());
        assertThat(lines.get(0).path("result").asText()).contains("403", operation.configName());
        assertThat(audit.lines()).noneMatch(line -> requestId.equals(line.path("request_id").asText())
                && !"rejected".equals(line.path("event").asText()));
    }

    private static Object grpcCall(AgentServiceGrpc.AgentServiceBlockingStub stub, AgentRpc operation) {
        return switch (operation) {
            case PING -> stub.ping(AgentProto.PingRequest.getDefaultInstance());
            case SYSTEM_INFO -> stub.getSystemInfo(AgentProto.GetSystemInfoRequest.getDefaultInstance());
            case GPU_HEALTH -> stub.checkGpuHealth(AgentProto.CheckGpuHealthRequest.getDefaultInstance());
            case PROCESS_STOP -> stub.stopProcess(AgentProto.StopProcessRequest.newBuilder().setTaskId("t-1").build());
            case SSH_RESET -> stub.resetSSH(AgentProto.ResetSSHRequest.newBuilder().setUser("nobody").build());
            case MACHINE_CLEANUP -> stub.cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder().setUser("nobody").build());
            case DATASET_MOUNT -> stub.mountDataset(AgentProto.MountDatasetRequest.newBuilder().setDatasetId("d-1").build());
            case DATASET_UNMOUNT -> stub.unmountDataset(AgentProto.UnmountDatasetRequest.newBuilder().setDatasetId("d-1").build());
            case COMMAND_EXEC -> stub.executeCommand(AgentProto.ExecuteCommandRequest.newBuilder().addCommand("/bin/echo").build());
        };
    }

}
