package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.ControllerOnlyProfile;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(ControllerOnlyProfile.class)
class AgentRoleOffTest {

    @Test
    void agentHttpApiIsNotFoundInRoleController() {
        given().header("Authorization", "Bearer " + AgentGrpc.TOKEN)
                .when().get("/api/v1/ping")
                .then().statusCode(404)
                .body("success", equalTo(false))
                .body("message", containsString("role 'controller'"));
        given().header("Authorization", "Bearer " + AgentGrpc.TOKEN).contentType("application/json")
                .body("{\"task_id\":\"t1\"}")
                .when().post("/api/v1/process/stop")
                .then().statusCode(404);
    }

    @Test
    void agentGrpcServiceIsUnimplementedInRoleController() throws Exception {
        try (AgentGrpc grpc = AgentGrpc.local()) {
            assertThatThrownBy(() -> grpc.authorized().ping(AgentProto.PingRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        }
    }
}
