package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * A real tenant races the exec check: it swaps a symlink in its own directory between an allowed
 * program and its own script while the agent is asked, again and again, to run that symlink as root.
 * Root must never run the script.
 */
@QuarkusTest
@TestProfile(ExecEnabledProfile.class)
class ExecRaceTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;
    private static final long RACE_MILLIS = 3_000;

    @Test
    void rootNeverRunsATenantsSwappedInScript() throws Exception {
        RealParts.requireRoot();
        TestUser tenant = TestUsers.create();
        Process swapper = null;
        try {
            Path dir = tenant.home().resolve("race-" + UUID.randomUUID());
            Path marker = tenant.home().resolve("pwned-" + UUID.randomUUID());
            Files.createDirectory(dir);
            Path script = Files.writeString(dir.resolve("evil.sh"), "#!/bin/sh\nid -u > " + marker + "\n");
            Path link = dir.resolve("id");
            Files.createSymbolicLink(link, Path.of("/usr/bin/id"));
            TestCommands.ok("chmod", "755", script.toString());
            TestCommands.ok("chown", "-hR", tenant.uid() + ":" + tenant.gid(), dir.toString());

            // The tenant's loop: atomic renames, so the link always exists and points at one of the two.
            String loop = "cd \"$1\" && while :; do ln -sfn /usr/bin/id a && mv -T a id; ln -sfn evil.sh b && mv -T b id; done";
            swapper = new ProcessBuilder(List.of("setpriv", "--reuid=" + tenant.uid(), "--regid=" + tenant.gid(),
                    "--init-groups", "--", "/bin/sh", "-c", loop, "swapper", dir.toString()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();

            Set<String> targetsSeen = new HashSet<>();
            int calls = 0;
            long end = System.nanoTime() + RACE_MILLIS * 1_000_000;
            while (System.nanoTime() < end) {
                try {
                    targetsSeen.add(Files.readSymbolicLink(link).toString());
                } catch (java.io.IOException e) {
                    // mid-rename; the next round sees it
                }
                Response response = given().header("Authorization", BEARER).contentType("application/json")
                        .body("{\"command\": [\"" + link + "\", \"-u\"]}")
                        .when().post("/api/v1/command/exec");
                calls++;
                int status = response.statusCode();
                if (status == 200) {
                    assertThat(response.jsonPath().getString("data.stdout")).as("only the allowed program may run").isEqualTo("0\n");
                } else {
                    assertThat(status).as(response.asString()).isEqualTo(403);
                    assertThat(response.jsonPath().getString("message"))
                            .contains("command[0]: '" + link + "'")
                            .contains("owned by uid " + tenant.uid());
                }
                assertThat(marker).as("root ran the tenant's script").doesNotExist();
            }
            assertThat(swapper.isAlive()).as("the tenant's loop ran all along").isTrue();
            assertThat(calls).isGreaterThan(10);
            assertThat(targetsSeen).as("the link really was swapped").contains("/usr/bin/id", "evil.sh");
            assertThat(marker).doesNotExist();
        } finally {
            if (swapper != null) {
                swapper.destroyForcibly();
                swapper.waitFor();
            }
            TestUsers.delete(tenant); // ends the loop's children too, and removes the home with the files
        }
    }
}
