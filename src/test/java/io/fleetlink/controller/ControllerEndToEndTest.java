package io.fleetlink.controller;

import static io.fleetlink.support.ControllerApiClient.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TempFiles;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The whole story with real parts: a real test user, a private sshd, the real local agent. Register
 * → allocate (keys installed, a real ssh login works) → stop a real process tree → release (processes
 * and keys gone) → callbacks received.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
@TestProfile(HostOpsProfile.class) // data roots and dataset root in private temp dirs
class ControllerEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    static Path work;
    static String user;
    static Process sshd;
    static int sshPort;
    static final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void realParts() throws Exception {
        CallbackReceiver.start();
        RealParts.requireRoot();
        Path sshdBin = RealParts.require("sshd", "openssh-server");
        RealParts.require("ssh", "openssh-client");
        RealParts.require("ssh-keygen", "openssh-client");
        work = Files.createTempDirectory("fleetlink-e2e-");
        user = "fl" + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        run("useradd", "-m", "-s", "/bin/sh", user);
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", work.resolve("tenant").toString());
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", work.resolve("hostkey").toString());
        Files.createDirectories(Path.of("/run/sshd"));
        sshPort = TestPorts.freePort();
        Path config = work.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "Port " + sshPort,
                "ListenAddress 127.0.0.1",
                "HostKey " + work.resolve("hostkey"),
                "PidFile " + work.resolve("sshd.pid"),
                "AuthorizedKeysFile .ssh/authorized_keys",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM yes",
                "AllowUsers " + user,
                ""));
        sshd = new ProcessBuilder(sshdBin.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("sshd.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(20)).until(() -> listening(sshPort));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        started.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
        started.forEach(Process::destroyForcibly);
        if (sshd != null) {
            sshd.destroy();
            sshd.waitFor(10, TimeUnit.SECONDS);
        }
        if (user != null) {
            new ProcessBuilder("pkill", "-KILL", "-u", user).start().waitFor(10, TimeUnit.SECONDS);
            new ProcessBuilder("userdel", "-r", "-f", user).start().waitFor(30, TimeUnit.SECONDS);
        }
        TempFiles.deleteRecursively(work);
    }

    @Test
    void allocateLogInStopATaskAndReleaseWithRealParts() throws Exception {
        String hostId = "e2e-" + user;
        String publicKey = Files.readString(work.resolve("tenant.pub")).trim();
        api().body(Map.of("host_id", hostId, "address", "127.0.0.1", "http_port", TestPorts.httpPort()))
                .when().post("/api/v1/hosts").then().statusCode(201);

        String allocationId = api().body(Map.of("host_id", hostId, "user", user, "ssh_public_keys", List.of(publicKey)))
                .when().post("/api/v1/allocations").then().statusCode(202)
                .extract().jsonPath().getString("data.allocation_id");
        awaitAllocation(allocationId, "READY");
        assertThat(ssh("true")).as("ssh login with the allocated key").isZero();

        // A task's process tree, marked the way the platform marks it, running as the tenant.
        String taskId = "task-" + user;
        Process tree = new ProcessBuilder("runuser", "-u", user, "--", "env", "FLEETLINK_TASK_ID=" + taskId,
                "sh", "-c", "sleep 600 & sleep 600 & wait").start();
        started.add(tree);
        await().atMost(Duration.ofSeconds(10)).until(() -> tree.descendants().count() >= 2);
        List<ProcessHandle> members = new ArrayList<>(tree.descendants().toList());
        api().body(Map.of("task_id", taskId, "host_id", hostId)).when().post("/api/v1/tasks").then().statusCode(201);
        api().when().post("/api/v1/tasks/" + taskId + "/stop").then().statusCode(200)
                .body("data.status", equalTo("STOPPED"));
        await().atMost(Duration.ofSeconds(30)).until(() -> members.stream().noneMatch(ProcessHandle::isAlive));

        // What the tenant leaves behind: a process of theirs and files in their scratch data root.
        Process leftover = new ProcessBuilder("runuser", "-u", user, "--", "sleep", "600").start();
        started.add(leftover);
        await().atMost(Duration.ofSeconds(10)).until(() -> tenantPids(leftover).size() >= 1);
        List<String> leftoverPids = tenantPids(leftover);
        Path scratch = Path.of(ConfigProvider.getConfig().getValues("fleetlink.agent.cleanup.data-roots", String.class).get(0)
                .replace("{user}", user));
        Files.createDirectories(scratch.resolve("run-1"));
        Files.writeString(scratch.resolve("run-1/checkpoint.bin"), "weights");
        run("chown", "-R", user, scratch.toString());

        api().when().post("/api/v1/allocations/" + allocationId + "/release").then().statusCode(202);
        awaitAllocation(allocationId, "RELEASED");
        await().atMost(Duration.ofSeconds(30)).until(() -> !leftover.isAlive());
        Path authorizedKeys = Path.of("/home", user, ".ssh", "authorized_keys");
        assertThat(!Files.exists(authorizedKeys) || Files.readString(authorizedKeys).isBlank())
                .as("authorized_keys emptied").isTrue();
        assertThat(ssh("true")).as("ssh login after release").isNotZero();
        assertThat(scratch).as("the data root itself stays").isDirectory().isEmptyDirectory();
        api().when().get("/api/v1/hosts/" + hostId).then().body("data.state", equalTo("AVAILABLE"));

        // The handover report lists what the real agent really removed: the leftover's pid, the tenant's
        // key by fingerprint, the scratch entries.
        String fingerprint = fingerprint(work.resolve("tenant.pub"));
        io.restassured.path.json.JsonPath report = api().when().get("/api/v1/allocations/" + allocationId + "/report")
                .then().statusCode(200).extract().jsonPath();
        assertThat(report.getString("data.kind")).isEqualTo("release");
        assertThat(report.getBoolean("data.clean")).isTrue();
        assertThat(report.getString("data.host_id")).isEqualTo(hostId);
        assertThat(report.getList("data.processes_ended.items", String.class)).containsAnyElementsOf(leftoverPids);
        assertThat(report.getList("data.keys_revoked.items", String.class)).contains(fingerprint);
        assertThat(report.getList("data.data_entries_removed.items", String.class)).anyMatch(e -> e.contains("run-1"));
        // The release's epoch: one ownership change after the allocation's (the shared test agent may be at a
        // higher epoch than a new host's 0, so the allocation's own epoch is read, not assumed).
        long allocationEpoch = api().when().get("/api/v1/allocations/" + allocationId).then().statusCode(200)
                .extract().jsonPath().getLong("data.epoch");
        assertThat(report.getLong("data.epoch")).isEqualTo(allocationEpoch + 1);

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(CallbackReceiver.eventsFor(allocationId)).extracting(e -> e.get("type"))
                    .containsExactlyInAnyOrder("allocation.ready", "allocation.released");
            assertThat(CallbackReceiver.eventsFor(allocationId)).filteredOn(e -> "allocation.released".equals(e.get("type")))
                    .singleElement().satisfies(e -> assertThat(e).containsKey("report")
                            .containsEntry("report_url", "/api/v1/allocations/" + allocationId + "/report"));
            assertThat(CallbackReceiver.eventsFor(taskId)).extracting(e -> e.get("type"))
                    .containsExactly("task.stopped");
        });
    }

    /** The pids of a process started with runuser and what it runs (runuser may fork the tenant's process). */
    private static List<String> tenantPids(Process process) {
        List<String> pids = new ArrayList<>();
        pids.add(Long.toString(process.pid()));
        process.descendants().forEach(p -> pids.add(Long.toString(p.pid())));
        return pids;
    }

    private static String fingerprint(Path publicKey) throws IOException, InterruptedException {
        Process keygen = new ProcessBuilder("ssh-keygen", "-l", "-E", "sha256", "-f", publicKey.toString())
                .redirectErrorStream(true).start();
        String line = new String(keygen.getInputStream().readAllBytes()).trim();
        keygen.waitFor(30, TimeUnit.SECONDS);
        return line.split("\\s+")[1];
    }

    private static int ssh(String command) throws IOException, InterruptedException {
        Process ssh = new ProcessBuilder("ssh", "-i", work.resolve("tenant").toString(), "-p", String.valueOf(sshPort),
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=10", user + "@127.0.0.1", command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!ssh.waitFor(30, TimeUnit.SECONDS)) {
            ssh.destroyForcibly();
            return -1;
        }
        return ssh.exitValue();
    }

    private static void awaitAllocation(String allocationId, String status) {
        await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/allocations/" + allocationId)
                .then().statusCode(200)
                .body("data.status", equalTo(status)));
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(String... argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + output);
        }
    }
}
