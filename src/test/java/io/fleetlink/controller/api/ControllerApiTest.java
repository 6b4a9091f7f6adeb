package io.fleetlink.controller.api;

import static io.fleetlink.support.ControllerApiClient.api;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.Test;

import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The controller API's gate, registration and every endpoint's answer to bad input. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class ControllerApiTest {

    @Test
    void everyControllerPathNeedsTheControllerToken() {
        given().when().get("/api/v1/hosts")
                .then().statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("message", containsString("fleetlink.controller.auth.token"));
        given().header("Authorization", "Bearer test-agent-token-0123456789")
                .when().get("/api/v1/allocations")
                .then().statusCode(401);
    }

    @Test
    void registersReadsAndDeregistersAHost() {
        String id = "api-host-" + System.nanoTime();
        api().body("{\"host_id\":\"" + id + "\",\"address\":\"127.0.0.1\",\"http_port\":" + TestPorts.httpPort()
                        + ",\"labels\":{\"gpu\":\"a100\"}}")
                .when().post("/api/v1/hosts")
                .then().statusCode(201)
                .body("data.host_id", equalTo(id))
                .body("data.state", equalTo("AVAILABLE"))
                .body("data.reachability", equalTo("UNKNOWN"))
                .body("data.labels.gpu", equalTo("a100"));
        api().body("{\"host_id\":\"" + id + "\",\"address\":\"127.0.0.1\"}")
                .when().post("/api/v1/hosts")
                .then().statusCode(409)
                .body("message", containsString("host_id"));
        api().when().get("/api/v1/hosts/" + id)
                .then().statusCode(200)
                .body("data.created_at", notNullValue());
        api().when().get("/api/v1/hosts/" + id + "/health")
                .then().statusCode(200)
                .body("data.reachable", equalTo(true));
        api().when().get("/api/v1/hosts/" + id)
                .then().statusCode(200)
                .body("data.reachability", equalTo("ONLINE"))
                .body("data.last_seen", notNullValue());
        api().when().delete("/api/v1/hosts/" + id)
                .then().statusCode(200);
        api().when().get("/api/v1/hosts/" + id)
                .then().statusCode(404)
                .body("message", containsString("not registered"));
    }
}
