package io.fleetlink.controller;

import static io.fleetlink.support.ControllerApiClient.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fleetlink.config.StoreConfig;
import io.fleetlink.controller.store.Store;
import io.fleetlink.support.AgentOnlyProfile;
import io.fleetlink.support.ManagementPort;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

@QuarkusTest
@TestProfile(AgentOnlyProfile.class)
class ControllerRoleOffTest {

    @Inject
    Store store;

    @Inject
    StoreConfig storeConfig;

    @Inject
    ControllerLifecycle jobs;

    @Test
    void controllerApiIsNotFoundInRoleAgent() {
        for (String path : new String[] {"/api/v1/hosts", "/api/v1/allocations", "/api/v1/operations", "/api/v1/tasks/t1"}) {
            api().when().get(path).then().statusCode(404)
                    .body("message", containsString("controller API is off in role 'agent'"));
        }
    }

    @Test
    void roleAgentOpensNoDatabaseAndRunsNoControllerJob() throws IOException {
        assertThat(store.isOpen()).isFalse();
        assertThat(jobs.started()).isFalse();
        if (Files.isDirectory(storeConfig.path())) {
            try (Stream<?> files = Files.list(storeConfig.path())) {
                assertThat(files).as("files in the store directory").isEmpty();
            }
        }
        RestAssured.get(ManagementPort.url("/q/health/ready")).then().statusCode(200);
    }
}
