package io.fleetlink.management;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.time.Duration;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import io.fleetlink.agent.grpc.GrpcServerLimits;
import io.fleetlink.support.ManagementPort;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Health and metrics are served anonymously on the management port and nowhere on the API port,
 * and the connection limits that keep a flood of unauthenticated connections from starving the
 * agent are in force. Values only; nothing here times anything.
 */
@QuarkusTest
class ManagementInterfaceTest {

    private static final String[] MANAGEMENT_PATHS = {"/q/health", "/q/health/live", "/q/health/ready", "/q/metrics"};

    @Inject
    Config config;

    @Inject
    @Any
    Instance<ServerBuilderCustomizer<?>> grpcCustomizers;

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

    @Test
    void httpConnectionLimitsAreInForce() {
        assertThat(config.getValue("quarkus.management.enabled", Boolean.class)).isTrue();
        assertThat(config.getValue("quarkus.http.idle-timeout", Duration.class)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getValue("quarkus.http.read-timeout", Duration.class)).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.getValue("quarkus.http.limits.max-connections", Integer.class)).isEqualTo(500);
        assertThat(bytes("quarkus.http.limits.max-body-size")).isEqualTo(3 * 1024 * 1024);
        assertThat(bytes("quarkus.http.limits.max-header-size")).isEqualTo(8 * 1024);
        assertThat(config.getValue("quarkus.http.http2", Boolean.class)).as("h2c lets half-open connections escape the cap").isFalse();
        assertThat(config.getValue("quarkus.management.idle-timeout", Duration.class)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getValue("quarkus.management.limits.max-connections", Integer.class)).isEqualTo(100);
    }

    @Test
    void grpcConnectionLimitsAreInForce() {
        assertThat(config.getValue("quarkus.grpc.server.max-inbound-message-size", Integer.class)).isEqualTo(3 * 1024 * 1024);
        assertThat(config.getValue("quarkus.grpc.server.max-inbound-metadata-size", Integer.class)).isEqualTo(8192);
        assertThat(config.getValue("quarkus.grpc.server.handshake-timeout", Duration.class)).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.getValue("quarkus.grpc.server.netty.keep-alive-time", Duration.class)).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.getValue("quarkus.grpc.server.netty.permit-keep-alive-time", Duration.class)).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.getValue("quarkus.grpc.server.netty.permit-keep-alive-without-calls", Boolean.class)).isFalse();
        assertThat(grpcCustomizers.stream().map(Object::getClass).map(Class::getName))
                .anyMatch(name -> name.startsWith(GrpcServerLimits.class.getName()));
    }

    private long bytes(String key) {
        return config.getValue(key, MemorySize.class).asLongValue();
    }
}
