package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The cleanup's docker step with scope {@code user} against a real, private dockerd: only the user's labelled containers go. */
@QuarkusTest
@TestProfile(HostOpsProfile.class)
class DockerCleanupTest extends DockerCleanupFixture {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;

    private final List<String> created = new ArrayList<>();

    @Test
    void removesOnlyTheUsersLabelledContainers() throws Exception {
        String running = track(dockerd.run("fleetlink.user=" + user.name()));
        String stopped = track(dockerd.create("fleetlink.user=" + user.name()));
        String otherUser = track(dockerd.run("fleetlink.user=" + TestUsers.uniqueName()));
        String exempt = track(dockerd.run("fleetlink.exempt=true"));
        String unlabelled = track(dockerd.run());

        given().header("Authorization", BEARER).contentType("application/json")
                .body(Map.of("user", user.name(), "types", List.of("docker"), "dry_run", true))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(200)
                .body("data.steps[0].type", equalTo("docker"))
                .body("data.steps[0].removed", containsInAnyOrder(running.substring(0, 12), stopped.substring(0, 12)));
        assertThat(List.of(running, stopped, otherUser, exempt, unlabelled)).allMatch(dockerd::exists);

        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.CleanupMachineResponse response = grpc.authorized().cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                    .setUser(user.name())
                    .addTypes("docker")
                    .build());
            assertThat(response.getSuccess()).as(response.toString()).isTrue();
            assertThat(response.getSteps(0).getRemovedList()).containsExactlyInAnyOrder(running.substring(0, 12), stopped.substring(0, 12));
        }
        assertThat(dockerd.exists(running)).isFalse();
        assertThat(dockerd.exists(stopped)).isFalse();
        assertThat(List.of(otherUser, exempt, unlabelled)).allMatch(dockerd::exists);

        given().header("Authorization", BEARER).contentType("application/json")
                .body(Map.of("user", user.name(), "types", List.of("docker")))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(200)
                .body("data.steps[0].success", equalTo(true))
                .body("data.steps[0].removed.size()", equalTo(0));
        dockerd.remove(created);
    }

    private String track(String id) {
        created.add(id);
        return id;
    }
}
