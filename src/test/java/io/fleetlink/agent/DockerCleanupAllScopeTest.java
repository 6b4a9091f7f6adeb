package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.HostOpsAllContainersProfile;
import io.fleetlink.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The cleanup's docker step with scope {@code all}: every container goes except those labelled exempt. */
@QuarkusTest
@TestProfile(HostOpsAllContainersProfile.class)
class DockerCleanupAllScopeTest extends DockerCleanupFixture {


    @Test
    void removesEveryContainerButTheExemptOnes() {
        String mine = dockerd.run("fleetlink.user=" + user.name());
        String otherUser = dockerd.run("fleetlink.user=" + TestUsers.uniqueName());
        String unlabelled = dockerd.create();
        String notReallyExempt = dockerd.run("fleetlink.exempt=false");
        String exempt = dockerd.run("fleetlink.exempt=true", "fleetlink.user=" + user.name());

        given().header("Authorization", "Bearer " + AgentGrpc.TOKEN).contentType("application/json")
                .body(Map.of("user", user.name(), "types", List.of("docker")))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(200)
                .body("data.steps[0].success", equalTo(true))
                .body("data.steps[0].removed", containsInAnyOrder(
                        mine.substring(0, 12), otherUser.substring(0, 12), unlabelled.substring(0, 12), notReallyExempt.substring(0, 12)));
        assertThat(List.of(mine, otherUser, unlabelled, notReallyExempt)).noneMatch(dockerd::exists);
        assertThat(dockerd.exists(exempt)).isTrue();
        dockerd.remove(List.of(exempt));
    }
}
