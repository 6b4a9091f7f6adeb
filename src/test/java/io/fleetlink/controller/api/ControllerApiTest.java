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

    @Test
    void badHostInputIs400NamingTheField() {
        badPost("/api/v1/hosts", "{}", "address: must not be blank", "host_id: must not be blank");
        badPost("/api/v1/hosts", "{\"host_id\":\"../etc\",\"address\":\"127.0.0.1\"}", "host_id: must match");
        badPost("/api/v1/hosts", "{\"host_id\":\"h1\",\"address\":\"a b\"}", "address: must be a host name");
        badPost("/api/v1/hosts", "{\"host_id\":\"h1\",\"address\":\"x\",\"http_port\":70000}", "http_port: must be less than");
        badPost("/api/v1/hosts", "{\"host_id\":\"h1\",\"address\":\"x\",\"http_port\":\"eighty\"}", "http_port");
        badPost("/api/v1/hosts", "{\"host_id\":\"h1\",\"address\":\"x\",\"labels\":{\"bad key\":\"v\"}}", "labels");
        badPost("/api/v1/hosts", "{\"host_id\":\"h1\",\"adress\":\"x\"}", "adress: unknown field");
        badPost("/api/v1/hosts", "not json", "not valid JSON");
        badPost("/api/v1/hosts", "", "body");
        for (String path : new String[] {"/api/v1/hosts/-bad", "/api/v1/hosts/-bad/health", "/api/v1/hosts/-bad/system-info"}) {
            api().when().get(path).then().statusCode(400).body("message", containsString("host_id: must match"));
        }
        api().when().delete("/api/v1/hosts/-bad").then().statusCode(400).body("message", containsString("host_id"));
        badPost("/api/v1/hosts/h1/exec", "{}", "command: must not be empty");
        badPost("/api/v1/hosts/h1/datasets", "{\"source\":\"/data\"}", "dataset_id: must not be blank");
        api().when().delete("/api/v1/hosts/h1/datasets/bad$id").then().statusCode(400)
                .body("message", containsString("dataset_id: must match"));
        badPost("/api/v1/hosts/h1/cleanup", "{}", "user: must not be blank");
        badPost("/api/v1/hosts/h1/cleanup", "{\"user\":\"fltenant\",\"types\":[\"everything\"]}", "types");
        badPost("/api/v1/hosts/h1/cleanup", "{\"user\":\"Root\"}", "user: must be a user name");
    }

    @Test
    void badAllocationTaskAndOperationInputIs400NamingTheField() {
        badPost("/api/v1/allocations", "{}", "host_id: must not be blank", "ssh_public_keys: must not be empty",
                "user: must not be blank");
        badPost("/api/v1/allocations", "{\"host_id\":\"h1\",\"user\":\"fltenant\",\"ssh_public_keys\":"
                + "[\"command=\\\"sh\\\" ssh-ed25519 AAAA\"]}", "ssh_public_keys[0].<list element>: must be one OpenSSH public key");
        badPost("/api/v1/allocations", "{\"host_id\":\"h1\",\"user\":\"fltenant\",\"ssh_public_keys\":"
                + "[\"ssh-ed25519 AAAA\\ncommand\"]}", "ssh_public_keys");
        api().when().get("/api/v1/allocations/not-a-uuid").then().statusCode(400)
                .body("message", containsString("allocation_id: must be a lower-case UUID"));
        api().when().get("/api/v1/allocations?status=bogus").then().statusCode(400)
                .body("message", containsString("status: must be one of [PROVISIONING"));
        api().when().get("/api/v1/allocations?host_id=-x").then().statusCode(400)
                .body("message", containsString("host_id"));
        api().when().post("/api/v1/allocations/not-a-uuid/release").then().statusCode(400)
                .body("message", containsString("allocation_id"));
        badPost("/api/v1/tasks", "{}", "host_id: must not be blank", "task_id: must not be blank");
        badPost("/api/v1/tasks", "{\"task_id\":\"a b\",\"host_id\":\"h1\"}", "task_id: must be 1 to 256");
        api().when().get("/api/v1/tasks/a b").then().statusCode(400).body("message", containsString("task_id"));
        api().when().post("/api/v1/tasks/a b/stop").then().statusCode(400).body("message", containsString("task_id"));
        api().when().get("/api/v1/operations/x").then().statusCode(400).body("message", containsString("operation_id"));
        api().when().get("/api/v1/operations?target=a b").then().statusCode(400).body("message", containsString("target"));
        api().when().post("/api/v1/operations/x/cancel").then().statusCode(400).body("message", containsString("operation_id"));
    }

    @Test
    void unknownIdsAre404() {
        String uuid = "3f2b8c1e-0d4a-4e4b-9a57-2c1d0e9f8a7b";
        api().when().get("/api/v1/hosts/no-such-host").then().statusCode(404);
        api().when().get("/api/v1/hosts/no-such-host/health").then().statusCode(404);
        api().when().get("/api/v1/hosts/no-such-host/system-info").then().statusCode(404)
                .body("message", containsString("register it with POST /api/v1/hosts"));
        api().body("{\"command\":[\"true\"]}").when().post("/api/v1/hosts/no-such-host/exec").then().statusCode(404);
        api().body("{\"user\":\"fltenant\"}").when().post("/api/v1/hosts/no-such-host/cleanup").then().statusCode(404);
        api().when().delete("/api/v1/hosts/no-such-host").then().statusCode(404);
        api().when().get("/api/v1/allocations/" + uuid).then().statusCode(404);
        api().when().post("/api/v1/allocations/" + uuid + "/release").then().statusCode(404);
        api().when().get("/api/v1/tasks/no-such-task").then().statusCode(404);
        api().when().post("/api/v1/tasks/no-such-task/stop").then().statusCode(404);
        api().when().get("/api/v1/operations/" + uuid).then().statusCode(404);
        api().body("{\"host_id\":\"no-such-host\",\"user\":\"fltenant\",\"ssh_public_keys\":[\""
                + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\"]}")
                .when().post("/api/v1/allocations").then().statusCode(404).body("message", containsString("host_id"));
        api().body("{\"task_id\":\"t-1\",\"host_id\":\"no-such-host\"}")
                .when().post("/api/v1/tasks").then().statusCode(404).body("message", containsString("host_id"));
    }

    @Test
    void passThroughCallsReachTheAgentAndMapItsAnswers() {
        String id = "pass-" + System.nanoTime();
        api().body("{\"host_id\":\"" + id + "\",\"address\":\"127.0.0.1\",\"http_port\":" + TestPorts.httpPort() + "}")
                .when().post("/api/v1/hosts").then().statusCode(201);
        // Exec is off on the test agent: its 403 passes through with the agent's explanation.
        api().body("{\"command\":[\"true\"]}").when().post("/api/v1/hosts/" + id + "/exec")
                .then().statusCode(403)
                .body("message", containsString("command execution is disabled"));
        api().header("X-Request-Id", "bad id!").body("{\"command\":[\"true\"]}").when().post("/api/v1/hosts/" + id + "/exec")
                .then().statusCode(400)
                .body("message", containsString("X-Request-Id"));
        api().when().delete("/api/v1/hosts/" + id).then().statusCode(200);
    }

    private static void badPost(String path, String body, String... fragments) {
        var response = api().body(body).when().post(path).then().statusCode(400).body("success", equalTo(false));
        for (String fragment : fragments) {
            response.body("message", containsString(fragment));
        }
    }
}
