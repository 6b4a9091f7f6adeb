package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Ping's uptime_seconds counts from the start of the process, not from the first ping. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class AgentUptimeTest {

    @Test
    void uptimeCountsFromTheStartOfTheProcess() {
        Instant started = ProcessHandle.current().info().startInstant().orElseThrow();
        long atLeast = Duration.between(started, Instant.now()).toSeconds();
        long uptime = given().header("Authorization", "Bearer " + AgentGrpc.TOKEN)
                .when().get("/api/v1/ping")
                .then().statusCode(200)
                .extract().jsonPath().getLong("data.uptime_seconds");
        assertThat(atLeast).as("this JVM has run a while before the first ping").isPositive();
        assertThat(uptime).isGreaterThanOrEqualTo(atLeast);
    }
}
