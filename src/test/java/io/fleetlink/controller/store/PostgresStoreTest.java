package io.fleetlink.controller.store;

import static io.fleetlink.support.ControllerApiClient.api;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.support.ManagementPort;
import io.fleetlink.config.StoreConfig;
import io.fleetlink.support.PostgresCluster;
import io.fleetlink.support.PostgresStoreProfile;
import io.fleetlink.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(PostgresStoreProfile.class)
class PostgresStoreTest extends StoreContract {

    @Override
    StoreConfig.Kind expectedKind() {
        return StoreConfig.Kind.POSTGRESQL;
    }

    /**
     * PostgreSQL stops while a release waits for its agent: the API answers 503 "store unavailable,
     * retry" and readiness is DOWN; the release's outcome write fails and is retried by the replica
     * that owns it (no second claim, no lease expiry), and finishes once PostgreSQL is back.
     */
    @Test
    void aStoreOutageIs503AndAnOwnedOutcomeWriteIsRetriedUntilTheStoreIsBack() throws Exception {
        String hostId = registerFakeHost();
        agent.resetSshSucceeds("floutage").cleanupSucceedsAfter(Duration.ofSeconds(3));
        String allocationId = api().body(Map.of("host_id", hostId, "user", "floutage", "ssh_public_keys", List.of(KEY)))
                .when().post("/api/v1/allocations")
                .then().statusCode(202).extract().jsonPath().getString("data.allocation_id");
        awaitAllocation(allocationId, "READY");
        String releaseOp = api().when().post("/api/v1/allocations/" + allocationId + "/release")
                .then().statusCode(202).extract().jsonPath().getString("data.operation_id");

        PostgresCluster cluster = PostgresCluster.current();
        cluster.stopServer();
        try {
            api().when().get("/api/v1/hosts").then().statusCode(503)
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                    .body("message", org.hamcrest.Matchers.equalTo("store unavailable, retry"));
            io.restassured.RestAssured.given().when().get(ManagementPort.url("/q/health/ready")).then().statusCode(503)
                    .body("status", org.hamcrest.Matchers.equalTo("DOWN"));
            // The agent answers meanwhile; the outcome write fails and is retried by the owner.
            Thread.sleep(5000);
        } finally {
            cluster.startServer();
        }
        awaitAllocation(allocationId, "RELEASED");
        Operation op = operations.find(store.pool(), releaseOp).await().atMost(WAIT);
        assertThat(op.status()).isEqualTo(OperationStatus.SUCCEEDED);
        assertThat(op.attempts()).as("finished by its owner, not resumed after its lease").isEqualTo(1);
        io.restassured.RestAssured.given().when().get(ManagementPort.url("/q/health/ready")).then().statusCode(200);
    }

    @Override
    void requireStore() {
        if (!PostgresCluster.available()) {
            RealParts.require("initdb-is-missing", "postgresql");
        }
    }
}
