package io.fleetlink.management;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import org.junit.jupiter.api.Test;

import io.fleetlink.support.ManagementPort;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Health and metrics are served anonymously on the management port and nowhere on the API port.
 */
@QuarkusTest
class ManagementInterfaceTest {

    private static final String[] MANAGEMENT_PATHS = {"/q/health", "/q/health/live", "/q/health/ready", "/q/metrics"};

    @Test
    void apiPortServesNothingUnderQ() {
        for (String path : MANAGEMENT_PATHS) {
            given().when().get(path).then().statusCode(404);
        }
    }

    @Test
    void managementPortAnswersProbesAndScrapesWithoutAToken() {
        assertThat(ManagementPort.port()).isPositive().isNotEqualTo(9000);
        given().when().get(ManagementPort.url("/q/health/live")).then().statusCode(200).body(containsString("UP"));
        given().when().get(ManagementPort.url("/q/health/ready")).then().statusCode(200);
        given().when().get(ManagementPort.url("/q/metrics")).then().statusCode(200)
                .body(containsString("jvm_"));
    }

    @Test
    void managementPortServesNoApi() {
        given().when().get(ManagementPort.url("/api/v1/ping")).then().statusCode(404);
    }
}
