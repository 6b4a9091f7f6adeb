package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.Test;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.ManagementPort;
import io.fleetlink.support.TestPorts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;

@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class AgentAuthAndPingTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;

    @Test
    void httpPingAnswersEnvelopeWithIdentity() {
        given().header("Authorization", BEARER)
                .when().get("/api/v1/ping")
                .then().statusCode(200)
                .body("success", equalTo(true))
                .body("code", equalTo(200))
                .body("message", equalTo("ok"))
                .body("data.host_id", not(emptyOrNullString()))
                .body("data.agent_version", not(emptyOrNullString()))
                .body("data.uptime_seconds", greaterThanOrEqualTo(0));
    }

    @Test
    void httpRejectsMissingAndWrongTokenWith401Envelope() {
        given().when().get("/api/v1/ping")
                .then().statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("success", equalTo(false))
                .body("code", equalTo(401));
        given().header("Authorization", "Bearer wrong")
                .when().get("/api/v1/ping")
                .then().statusCode(401).body("code", equalTo(401));
        given().header("Authorization", AgentGrpc.TOKEN)
                .when().get("/api/v1/ping")
                .then().statusCode(401);
    }

    @Test
    void unauthenticatedRequestIsRefusedBeforeItsBodyIsRead() {
        // A malformed body would be a 400 if it were parsed; without a token it never is.
        given().contentType("application/json").body("{not json")
                .when().post("/api/v1/process/stop")
                .then().statusCode(401);
    }

    @Test
    void unknownPathAnswersEnvelope404() {
        given().header("Authorization", BEARER)
                .when().get("/api/v1/nothing-here")
                .then().statusCode(404)
                .body("success", equalTo(false))
                .body("code", equalTo(404));
    }

    @Test
    void healthProbesNeedNoToken() {
        given().when().get(ManagementPort.url("/q/health/ready")).then().statusCode(200);
        given().when().get(ManagementPort.url("/q/health/live")).then().statusCode(200);
    }

    @Test
    void grpcPingWithTokenAnswersIdentity() throws Exception {
        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.PingResponse response = grpc.authorized().ping(AgentProto.PingRequest.getDefaultInstance());
            assertThat(response.getHostId()).isNotBlank();
            assertThat(response.getAgentVersion()).isNotBlank();
            assertThat(response.getUptimeSeconds()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void grpcRejectsMissingAndWrongTokenAsUnauthenticated() throws Exception {
        try (AgentGrpc grpc = AgentGrpc.local()) {
            assertThatThrownBy(() -> grpc.stub(null).ping(AgentProto.PingRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThatThrownBy(() -> grpc.stub("wrong").ping(AgentProto.PingRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        }
    }

    @Test
    void grpcServesStandardHealthServiceWithoutToken() throws Exception {
        try (AgentGrpc grpc = new AgentGrpc(TestPorts.grpcPort())) {
            HealthCheckResponse response = HealthGrpc.newBlockingStub(grpc.channel())
                    .check(HealthCheckRequest.getDefaultInstance());
            assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
    }
}
