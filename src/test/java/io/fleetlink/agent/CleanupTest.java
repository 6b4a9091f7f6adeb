package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestSshd;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;

/** CleanupMachine's process, data and ssh steps and its error handling, on real files, mounts and processes. */
@QuarkusTest
@TestProfile(HostOpsProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CleanupTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;

    @Inject
    AgentConfig config;

    private TestUser user;
    private Path scratch;
    private Path work;
    private Path outside;
    private Path keys;

    @BeforeAll
    void createUser() throws IOException {
        RealParts.requireRoot();
        RealParts.require("ssh-keygen", "openssh-client");
        user = TestUsers.create();
        List<String> roots = config.cleanup().dataRoots().orElseThrow();
        scratch = Path.of(roots.get(0).replace("{user}", user.name()));
        work = Path.of(roots.get(1).replace("{user}", user.name()));
        outside = Files.createTempDirectory("floutside-");
        keys = Files.createTempDirectory("flkeys-");
    }

    @AfterEach
    void unmountLeftovers() {
        if (scratch != null) {
            TestFiles.unmountAllUnder(scratch.getParent());
        }
    }

    @AfterAll
    void deleteUser() {
        TestUsers.delete(user);
        if (scratch != null) {
            TestFiles.deleteTree(scratch);
            TestFiles.deleteTree(work.getParent());
        }
        TestFiles.deleteTree(outside);
        TestFiles.deleteTree(keys);
    }

    @Test
    void dataStepEmptiesRootsWithoutFollowingSymlinksOrCrossingMounts() throws Exception {
        Files.createDirectories(scratch.resolve("run1/checkpoints"));
        Files.writeString(scratch.resolve("model.bin"), "weights");
        Files.writeString(scratch.resolve(".hidden"), "dot");
        Files.writeString(scratch.resolve("run1/checkpoints/step-100.pt"), "ckpt");
        Path sentinel = Files.writeString(outside.resolve("sentinel.txt"), "must survive");
        Files.createSymbolicLink(scratch.resolve("escape-file"), sentinel);
        Files.createSymbolicLink(scratch.resolve("escape-dir"), outside);
        Path mounted = Files.createDirectories(outside.resolve("mounted"));
        Files.writeString(mounted.resolve("keep.txt"), "other file system");
        Path mountPoint = Files.createDirectories(scratch.resolve("shared/mnt"));
        TestCommands.ok("mount", "--bind", mounted.toString(), mountPoint.toString());

        http().body(Map.of("user", user.name(), "types", List.of("data"), "dry_run", true))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(200)
                .body("data.steps[0].type", equalTo("data"))
                .body("data.steps[0].success", equalTo(true))
                .body("data.steps[0].message", containsString("kept mount point " + mountPoint))
                .body("data.steps[0].removed", hasItems(scratch.resolve("model.bin").toString(),
                        scratch.resolve("escape-file").toString(), scratch.resolve("run1").toString()))
                .body("data.steps[0].removed", not(hasItem(scratch.resolve("shared").toString())));
        assertThat(scratch.resolve("model.bin")).exists();
        assertThat(scratch.resolve("run1/checkpoints/step-100.pt")).exists();
        assertThat(Files.isSymbolicLink(scratch.resolve("escape-file"))).isTrue();

        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.CleanupMachineResponse response = grpc.authorized().cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                    .setUser(user.name())
                    .addTypes("data")
                    .build());
            assertThat(response.getSuccess()).as(response.toString()).isTrue();
            AgentProto.CleanupStep step = response.getSteps(0);
            assertThat(step.getMessage()).contains("kept mount point " + mountPoint);
            assertThat(step.getRemovedList()).contains(scratch.resolve("escape-dir").toString())
                    .noneMatch(path -> path.startsWith(mountPoint.toString()));
        }
        assertThat(scratch).isDirectory();
        try (var left = Files.list(scratch)) {
            assertThat(left.map(path -> path.getFileName().toString())).containsExactly("shared");
        }
        assertThat(sentinel).hasContent("must survive");
        assertThat(outside).isDirectory();
        assertThat(mountPoint.resolve("keep.txt")).hasContent("other file system");
        assertThat(mounted.resolve("keep.txt")).exists();
    }

    @Test
    void dataStepRefusesAUserDirectoryThatIsASymlinkAndStillRunsTheOtherSteps() throws Exception {
        // Followed, the link would lead to planted/work: the test would see precious.txt deleted.
        Path planted = Files.createDirectories(outside.resolve("planted"));
        Files.createDirectories(planted.resolve("work"));
        Files.writeString(planted.resolve("work/precious.txt"), "not the tenant's");
        Files.createDirectories(work.getParent().getParent());
        Files.createSymbolicLink(work.getParent(), planted);
        Files.createDirectories(scratch);
        Files.writeString(scratch.resolve("tmp.txt"), "tenant data");
        try {
            http().body(Map.of("user", user.name(), "types", List.of("data", "ssh")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(500)
                    .body("success", equalTo(false))
                    .body("code", equalTo(500))
                    .body("message", containsString("data ("))
                    .body("data.steps.type", contains("data", "ssh"))
                    .body("data.steps[0].success", equalTo(false))
                    .body("data.steps[0].message", containsString(work.getParent() + " is a symlink"))
                    .body("data.steps[1].success", equalTo(true));
            assertThat(planted.resolve("work/precious.txt")).hasContent("not the tenant's");
            assertThat(scratch.resolve("tmp.txt")).doesNotExist();
        } finally {
            Files.deleteIfExists(work.getParent());
        }
    }

    @Test
    void sshStepEmptiesAuthorizedKeysAndListsWhatItRemoved() throws Exception {
        Path key = TestSshd.keygen(keys, "k" + TestUsers.uniqueName(), "ed25519");
        http().body(Map.of("user", user.name(), "authorized_keys", List.of(TestSshd.publicKey(key))))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(200);
        Path file = user.home().resolve(".ssh/authorized_keys");

        http().body(Map.of("user", user.name(), "types", List.of("ssh"), "dry_run", true))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(200)
                .body("data.steps[0].removed", contains(TestSshd.fingerprint(key)));
        assertThat(Files.readString(file)).isEqualTo(TestSshd.publicKey(key) + "\n");

        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.CleanupMachineResponse response = grpc.authorized().cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                    .setUser(user.name())
                    .addTypes("ssh")
                    .build());
            assertThat(response.getSuccess()).isTrue();
            assertThat(response.getSteps(0).getRemovedList()).containsExactly(TestSshd.fingerprint(key));
        }
        assertThat(Files.size(file)).isZero();
        assertThat(Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(user.uid());
    }

    @Test
    void aMachineWithoutDockerHasNothingToRemove() {
        Path socket = config.cleanup().dockerSocket();
        assertThat(socket).doesNotExist();
        http().body(Map.of("user", user.name(), "types", List.of("docker")))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(200)
                .body("data.steps[0].type", equalTo("docker"))
                .body("data.steps[0].success", equalTo(true))
                .body("data.steps[0].message", containsString("no Docker Engine on this machine"));
    }

    @Test
    void everyStepRunsWhenTheDockerEngineIsUnreachable() throws Exception {
        // A socket path that exists but where no engine answers: Docker is installed and down, so
        // containers may survive; the step must fail, and the others must still run.
        Path socket = config.cleanup().dockerSocket();
        assertThat(socket).doesNotExist();
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "");
        try {
            cleanupWithAnUnreachableEngine(socket);
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    private void cleanupWithAnUnreachableEngine(Path socket) throws Exception {
        Files.createDirectories(scratch);
        Files.writeString(scratch.resolve("left.txt"), "x");
        List<String> types = List.of("data", "ssh", "docker", "datasets");
        http().body(Map.of("user", user.name(), "types", types))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(500)
                .body("success", equalTo(false))
                .body("code", equalTo(500))
                .body("message", containsString("docker ("))
                .body("data.success", equalTo(false))
                .body("data.steps.type", contains("docker", "data", "ssh", "datasets"))
                .body("data.steps.success", contains(false, true, true, true))
                .body("data.steps[0].message", containsString("cannot reach the Docker Engine at " + socket));
        assertThat(scratch.resolve("left.txt")).doesNotExist();

        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.CleanupMachineResponse response = grpc.authorized().cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                    .setUser(user.name())
                    .addAllTypes(List.of("datasets", "docker", "data"))
                    .build());
            assertThat(response.getSuccess()).isFalse();
            assertThat(response.getStepsList()).extracting(AgentProto.CleanupStep::getType).containsExactly("docker", "data", "datasets");
            assertThat(response.getStepsList()).extracting(AgentProto.CleanupStep::getSuccess).containsExactly(false, true, true);
        }
    }

    @Test
    void noTypesMeansEveryStepInOrder() {
        http().body(Map.of("user", user.name(), "dry_run", true))
                .when().post("/api/v1/machine/cleanup")
                // The fake nvidia-smi shows two GPUs, so the gpu step is among them.
                .then().body("data.steps.type", contains("process", "docker", "gpu", "data", "ssh", "datasets"))
                .body("data.steps[4].success", equalTo(true))
                .body("data.steps[2].success", equalTo(true))
                .body("data.steps[3].success", equalTo(true))
                .body("data.steps[5].success", equalTo(true));
    }

    @Test
    void rejectsBadInputBeforeTouchingAnything() throws Exception {
        Files.createDirectories(scratch);
        Path survivor = Files.writeString(scratch.resolve("survivor.txt"), "still here");
        TestUser system = TestUsers.createSystem();
        try {
            http().body(Map.of("user", user.name(), "types", List.of("data", "nuke")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(400)
                    .body("message", equalTo("types[1]: must be one of process, docker, gpu, data, ssh, datasets"));
            http().body("{\"user\": \"" + user.name() + "\", \"types\": [\"data\"")
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(400)
                    .body("message", containsString("not valid JSON"));
            http().body(Map.of("user", user.name(), "types", List.of("data"), "dry_run", "maybe"))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(400)
                    .body("code", equalTo(400))
                    .body("message", containsString("dry_run: must be a JSON boolean (true or false)"));
            http().body(Map.of("user", user.name(), "types", "data"))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(400)
                    .body("message", containsString("types: must be a JSON array"));
            http().body(Map.of("types", List.of("data")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(400)
                    .body("message", containsString("user: "));
            http().body(Map.of("user", "../" + user.name(), "types", List.of("data")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(400)
                    .body("message", containsString("user: must be a user name"));
            http().body(Map.of("user", "root", "types", List.of("data")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(403);
            http().body(Map.of("user", system.name(), "types", List.of("process")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(403)
                    .body("message", containsString("system accounts are never touched"));
            http().body(Map.of("user", TestUsers.uniqueName(), "types", List.of("data")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(404);
            try (AgentGrpc grpc = AgentGrpc.local()) {
                assertThatThrownBy(() -> grpc.authorized().cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                        .setUser(user.name())
                        .addTypes("everything")
                        .build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                            assertThat(e.getStatus().getDescription()).contains("types[0]");
                        });
            }
            assertThat(survivor).hasContent("still here");
        } finally {
            TestUsers.delete(system);
        }
    }

    @Test
    void processStepEndsEveryProcessOfTheUserAndNoOtherOne() throws Exception {
        List<Process> theirs = new ArrayList<>();
        Process mine = new ProcessBuilder("sleep", "1000").start();
        try {
            for (int i = 0; i < 2; i++) {
                theirs.add(new ProcessBuilder("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups",
                        "sleep", "1000").start());
            }
            theirs.add(new ProcessBuilder("runuser", "-u", user.name(), "--", "sleep", "1000").start());
            Thread.sleep(300); // let runuser drop privileges and exec sleep
            List<Integer> before = TestUsers.runningPidsOf(user.uid());
            assertThat(before).hasSizeGreaterThanOrEqualTo(3);

            http().body(Map.of("user", user.name(), "types", List.of("process"), "dry_run", true))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(200)
                    .body("data.steps[0].removed.size()", equalTo(before.size()));
            assertThat(TestUsers.runningPidsOf(user.uid())).containsExactlyInAnyOrderElementsOf(before);

            try (AgentGrpc grpc = AgentGrpc.local()) {
                AgentProto.CleanupMachineResponse response = grpc.authorized().cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                        .setUser(user.name())
                        .addTypes("process")
                        .build());
                assertThat(response.getSuccess()).as(response.toString()).isTrue();
                assertThat(response.getSteps(0).getRemovedList())
                        .containsExactlyInAnyOrderElementsOf(before.stream().map(String::valueOf).toList());
            }
            for (Process process : theirs) {
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(TestUsers.runningPidsOf(user.uid())).isEmpty();
            assertThat(mine.isAlive()).as("a process of another user survives").isTrue();
        } finally {
            theirs.forEach(Process::destroyForcibly);
            mine.destroyForcibly();
        }
    }

    @Test
    void processStepEndsAProcessThatForksAndExitsInALoopOverHttp() throws Exception {
        Path dir = Files.createTempDirectory("flhop-");
        try {
            Path beat = Processes.startForkHopper(user.uid(), user.gid(), dir);
            awaitHopping(beat);
            List<String> removed = http().body(Map.of("user", user.name(), "types", List.of("process")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(200)
                    .body("data.success", equalTo(true))
                    .body("data.steps[0].message", containsString("verified none is left running"))
                    .extract().jsonPath().getList("data.steps[0].removed", String.class);
            assertThat(removed).as("the pids seen").isNotEmpty();
            assertStopped(beat);
        } finally {
            TestUsers.killAll(user);
            TestFiles.deleteTree(dir);
        }
    }

    @Test
    void processStepEndsAProcessThatForksAndExitsInALoopOverGrpc() throws Exception {
        Path dir = Files.createTempDirectory("flhop-");
        try (AgentGrpc grpc = AgentGrpc.local()) {
            Path beat = Processes.startForkHopper(user.uid(), user.gid(), dir);
            awaitHopping(beat);
            AgentProto.CleanupMachineResponse response = grpc.authorized().cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                    .setUser(user.name())
                    .addTypes("process")
                    .build());
            assertThat(response.getSuccess()).as(response.toString()).isTrue();
            assertThat(response.getSteps(0).getRemovedList()).isNotEmpty();
            assertThat(response.getSteps(0).getMessage()).contains("verified none is left running");
            assertStopped(beat);
        } finally {
            TestUsers.killAll(user);
            TestFiles.deleteTree(dir);
        }
    }

    @Test
    void sshStepReplacesWhateverIsPlantedInsteadOfTheKeysFilesWithoutWaitingOnIt() throws Exception {
        Path ssh = user.home().resolve(".ssh");
        for (String kind : List.of("fifo", "socket", "symlink", "directory")) {
            for (boolean grpc : List.of(false, true)) {
                TestFiles.deleteTree(ssh);
                Files.createDirectories(ssh);
                Path target = outside.resolve("target-" + kind);
                Files.writeString(target, "sentinel\n");
                TestFiles.plant(ssh.resolve("authorized_keys"), kind, target);
                TestFiles.plant(ssh.resolve("authorized_keys2"), kind, target);

                String message = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> cleanupSsh(grpc),
                        kind + " over " + (grpc ? "gRPC" : "HTTP"));

                assertThat(message).as(kind).contains("not read");
                assertThat(Files.isRegularFile(ssh.resolve("authorized_keys"), LinkOption.NOFOLLOW_LINKS)).as(kind).isTrue();
                assertThat(Files.size(ssh.resolve("authorized_keys"))).isZero();
                assertThat(ssh.resolve("authorized_keys2")).as(kind).doesNotExist();
                assertThat(Files.exists(ssh.resolve("authorized_keys2"), LinkOption.NOFOLLOW_LINKS)).isFalse();
                assertThat(target).hasContent("sentinel\n");
            }
        }
        assertThat(TestFiles.parkedThreads("fleetlink-ssh-")).as("no open left waiting").isEmpty();
    }

    @Test
    void sshStepReplacesASshDirectoryThatIsNotADirectory() throws Exception {
        Path ssh = user.home().resolve(".ssh");
        for (String kind : List.of("fifo", "socket", "symlink", "file")) {
            TestFiles.deleteTree(ssh);
            Files.deleteIfExists(ssh);
            Path target = outside.resolve("ssh-target-" + kind);
            Files.createDirectories(target);
            Files.writeString(target.resolve("authorized_keys"), "sentinel\n");
            TestFiles.plant(ssh, kind, target);

            String message = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> cleanupSsh(false), kind);

            assertThat(message).as(kind).contains("~/.ssh was");
            assertThat(Files.isDirectory(ssh, LinkOption.NOFOLLOW_LINKS)).as(kind).isTrue();
            assertThat(Files.size(ssh.resolve("authorized_keys"))).isZero();
            assertThat(target.resolve("authorized_keys")).hasContent("sentinel\n");
        }
    }

    /** Runs the ssh step alone, asserts it succeeded, and returns its message. */
    private String cleanupSsh(boolean grpc) throws InterruptedException {
        if (grpc) {
            try (AgentGrpc client = AgentGrpc.local()) {
                AgentProto.CleanupMachineResponse response = client.authorized().cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                        .setUser(user.name())
                        .addTypes("ssh")
                        .build());
                assertThat(response.getSuccess()).as(response.toString()).isTrue();
                return response.getSteps(0).getMessage();
            }
        }
        return http().body(Map.of("user", user.name(), "types", List.of("ssh")))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(200)
                .body("data.success", equalTo(true))
                .extract().jsonPath().getString("data.steps[0].message");
    }

    private static void awaitHopping(Path beat) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Processes.beats(beat) < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Processes.beats(beat)).as("the fork hopper has hopped").isGreaterThanOrEqualTo(3);
    }

    /** The loop no longer writes its heartbeat, and /proc shows nothing of the user running. */
    private void assertStopped(Path beat) throws InterruptedException {
        long before = Processes.beats(beat);
        Thread.sleep(500); // ten generations of the loop, had one copy slipped out
        assertThat(Processes.beats(beat)).as("the fork loop is over").isEqualTo(before);
        assertThat(TestUsers.runningPidsOf(user.uid())).isEmpty();
    }

    private RequestSpecification http() {
        return given().header("Authorization", BEARER).contentType("application/json");
    }
}
