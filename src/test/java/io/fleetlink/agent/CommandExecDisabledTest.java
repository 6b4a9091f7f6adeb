package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

/** The default configuration: ExecuteCommand is off, whatever the command. */
@QuarkusTest
class CommandExecDisabledTest {

    @Test
    void httpRefusesExecWhenNotEnabled() {
        given().header("Authorization", "Bearer " + AgentGrpc.TOKEN).contentType("application/json")
                .body("{\"command\": [\"/bin/echo\", \"hi\"]}")
                .when().post("/api/v1/command/exec")
                .then().statusCode(403)
                .body("success", equalTo(false))
                .body("message", containsString("fleetlink.agent.exec.enabled=true"));
    }

    @Test
    void grpcRefusesExecWhenNotEnabled() throws Exception {
        try (AgentGrpc grpc = AgentGrpc.local()) {
            assertThatThrownBy(() -> grpc.authorized().executeCommand(
                    AgentProto.ExecuteCommandRequest.newBuilder().addCommand("/bin/echo").addCommand("hi").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription()).contains("fleetlink.agent.exec.enabled");
                    });
        }
    }
}
