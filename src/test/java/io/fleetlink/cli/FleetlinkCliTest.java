package io.fleetlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.support.ControllerApiClient;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TempFiles;
import io.fleetlink.support.TestPorts;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The README's walk-through done with the CLI against the real controller and its real local agent
 * (role {@code all}): register, look, allocate to a real user with --watch, exec, drain, release,
 * cleanup, deregister; and each exit status the README promises.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
@TestProfile(HostOpsProfile.class)
class FleetlinkCliTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static TestUser tenant;
    static Path work;

    /** What one run printed and returned. */
    record Run(int exit, String out, String err) {

        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
            }
        }
    }

    @BeforeAll
    static void tenant() throws Exception {
        RealParts.requireRoot();
        io.fleetlink.support.CallbackReceiver.start();
        tenant = TestUsers.create();
        work = Files.createTempDirectory("fleetlink-cli-");
        Files.writeString(work.resolve("tenant.pub"), io.fleetlink.support.ControllerFixtures.KEY + "\n");
        Files.writeString(work.resolve("token"), ControllerApiClient.TOKEN + "\n");
        Files.setPosixFilePermissions(work.resolve("token"), java.util.Set.of(PosixFilePermission.OWNER_READ));
    }

    @AfterAll
    static void cleanUp() {
        TestUsers.delete(tenant);
        TempFiles.deleteRecursively(work);
    }

    static Run cli(String... args) {
        return cli(Map.of("FLEETLINK_URL", "http://localhost:" + TestPorts.httpPort(),
                "FLEETLINK_TOKEN_FILE", work.resolve("token").toString()), args);
    }

    static Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new FleetlinkCli(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
                .pollEvery(Duration.ofMillis(200))
                .run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theWalkThroughWithTheCli() {
        String host = "cli-" + tenant.name();
        Run registered = cli("hosts", "register", host, "127.0.0.1", "--http-port", String.valueOf(TestPorts.httpPort()),
                "--label", "pool=cli-" + tenant.name());
        assertThat(registered.exit()).as(registered.err()).isZero();
        assertThat(registered.out()).contains("host_id:").contains(host).contains("AVAILABLE");
        assertThat(cli("hosts", "register", host, "127.0.0.1").exit()).as("already registered").isEqualTo(4);

        Run list = cli("hosts", "ls");
        assertThat(list.out()).startsWith("HOST").contains(host);
        assertThat(cli("-o", "json", "hosts", "get", host).json().path("host_id").asText()).isEqualTo(host);
        Run health = cli("hosts", "health", host);
        assertThat(health.exit()).as(health.err()).isZero();
        assertThat(health.out()).containsPattern("reachable:\\s+true");
        Run info = cli("-o", "json", "hosts", "info", host);
        assertThat(info.exit()).as(info.err()).isZero();
        assertThat(info.json().path("kernel").asText()).isNotEmpty();

        // Allocate to a real user and watch it become READY; the id comes from -o json, no sed.
        Run created = cli("-o", "json", "alloc", "create", "--host", host, "--user", tenant.name(),
                "--key", work.resolve("tenant.pub").toString());
        assertThat(created.exit()).as(created.err()).isZero();
        String allocation = created.json().path("allocation_id").asText();
        Run ready = cli("alloc", "get", allocation, "--watch");
        assertThat(ready.exit()).as(ready.out() + ready.err()).isZero();
        assertThat(ready.out()).contains("READY");
        assertThat(cli("alloc", "ls", "--host", host).out()).contains(allocation).contains("READY");

        // exec on one host and by selector; a non-zero exit of the command is exit 1.
        Run echo = cli("exec", host, "--", "echo", "hello from the agent");
        assertThat(echo.exit()).as(echo.err()).isZero();
        assertThat(echo.out()).isEqualTo("hello from the agent\n");
        Run bySelector = cli("exec", "--selector", "pool=cli-" + tenant.name(), "--", "/bin/sh", "-c", "exit 3");
        assertThat(bySelector.exit()).isEqualTo(1);
        assertThat(bySelector.err()).contains(host + ": exit code 3");
        assertThat(cli("exec", "--selector", "pool=nowhere", "--", "echo").exit()).isEqualTo(3);
        // With one shared agent token there is no per-host token to print, and the CLI says so.
        Run token = cli("agent-token", host);
        assertThat(token.exit()).isNotZero();
        assertThat(token.err()).contains("agent-token-secret");
        assertThat(cli("agent-token", host, "--exec").exit()).isNotZero();

        // Drain while allocated: a second allocation is a 409 naming the reason.
        assertThat(cli("hosts", "drain", host, "--reason", "kernel upgrade").exit()).isZero();
        assertThat(cli("hosts", "ls").out()).contains("ALLOCATED,DRAINING");
        Run refused = cli("alloc", "create", "--host", host, "--user", tenant.name(), "--key-text",
                io.fleetlink.support.ControllerFixtures.KEY);
        assertThat(refused.exit()).isEqualTo(4);
        assertThat(refused.err()).contains("409").contains("kernel upgrade");

        Run released = cli("alloc", "release", allocation, "--watch");
        assertThat(released.exit()).as(released.out() + released.err()).isZero();
        assertThat(released.out()).contains("RELEASED");
        Run drained = cli("hosts", "drain", host, "--reason", "kernel upgrade", "--wait");
        assertThat(drained.exit()).as(drained.err()).isZero();
        assertThat(drained.out()).contains("drained, holds no allocation");
        assertThat(cli("hosts", "undrain", host).exit()).isZero();

        Run operations = cli("ops", "ls", "--target", allocation);
        assertThat(operations.out()).contains("allocation.provision").contains("allocation.release").contains("SUCCEEDED");
        String operation = cli("-o", "json", "ops", "ls", "--target", allocation).json().get(0).path("operation_id").asText();
        assertThat(cli("ops", "get", operation, "--watch").exit()).isZero();

        Run cleanup = cli("cleanup", host, "--user", tenant.name(), "--type", "process", "--type", "ssh", "--watch");
        assertThat(cleanup.exit()).as(cleanup.out() + cleanup.err()).isZero();
        assertThat(cleanup.out()).contains("SUCCEEDED");

        Run stop = cli("tasks", "stop", "no-such-task");
        assertThat(stop.exit()).isEqualTo(3);
        assertThat(stop.err()).contains("404");

        assertThat(cli("hosts", "rm", host).exit()).isZero();
        assertThat(cli("hosts", "get", host).exit()).isEqualTo(3);
    }

    @Test
    void endpointsOtherWorkIsAddingAnswerWithTheServersError() {
        // gpu-health and the allocation report are served by newer controllers; until then the CLI
        // shows what the server said and exits 3 (or 0 once the endpoint exists).
        Run gpu = cli("hosts", "gpu-health", "nowhere-host");
        assertThat(gpu.exit()).isIn(2, 3);
        assertThat(gpu.err()).contains("error: ");
        Run report = cli("alloc", "report", "00000000-0000-0000-0000-000000000000");
        assertThat(report.exit()).isEqualTo(3);
        assertThat(report.err()).contains("error: 404");
    }

    @Test
    void exitStatusesMeanWhatTheReadmeSays() {
        assertThat(cli(Map.of("FLEETLINK_URL", "http://localhost:" + TestPorts.httpPort()), "hosts", "ls").exit())
                .as("no token").isEqualTo(5);
        Map<String, String> wrong = new HashMap<>(Map.of("FLEETLINK_URL", "http://localhost:" + TestPorts.httpPort(),
                "FLEETLINK_TOKEN", "not-the-token-0123456789"));
        Run unauthorized = cli(wrong, "hosts", "ls");
        assertThat(unauthorized.exit()).isEqualTo(5);
        assertThat(unauthorized.err()).contains("401");
        Run unreachable = cli(Map.of("FLEETLINK_URL", "http://127.0.0.1:" + TestPorts.freePort(), "FLEETLINK_TOKEN", "t"),
                "hosts", "ls");
        assertThat(unreachable.exit()).isEqualTo(6);
        assertThat(unreachable.err()).contains("cannot connect");
        assertThat(cli("hosts", "frobnicate").exit()).isEqualTo(2);
        assertThat(cli("hosts", "drain", "h1").err()).contains("--reason");
        Run invalid = cli("hosts", "register", "-bad-", "127.0.0.1");
        assertThat(invalid.exit()).isEqualTo(2);
        assertThat(invalid.err()).contains("host_id");
        assertThat(cli("--help").exit()).isZero();
    }
}
