package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.handler.IdempotencyCache;
import io.fleetlink.agent.state.RequestJournal;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.proto.agent.v1.AgentServiceGrpc;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.AuditCapture;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestSshd;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The agent's side of a tenant handover, on a real sshd, a real account, real files and processes:
 * fencing epochs over both transports, a request id that runs once past a 504 and a restart, the
 * JSON audit log, and the facts a cleanup reports.
 */
@QuarkusTest
@TestProfile(HandoverAgentProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandoverAgentTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;
    private static final Metadata.Key<String> EPOCH = Metadata.Key.of("x-fleetlink-epoch", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    @Inject
    AgentConfig config;

    @Inject
    ObjectMapper json;

    private TestSshd sshd;
    private TestUser user;
    private Path keys;
    private Path scratch;
    private Path work;
    private AuditCapture audit;

    @BeforeAll
    void start() throws Exception {
        RealParts.requireRoot();
        sshd = TestSshd.start();
        user = TestUsers.create();
        keys = Files.createTempDirectory("flkeys-");
        work = Files.createTempDirectory("flhandover-");
        scratch = Path.of(config.cleanup().dataRoots().orElseThrow().get(0).replace("{user}", user.name()));
        audit = AuditCapture.install();
    }

    /** Each test starts with an empty data root, so what a cleanup reports is what the test put there. */
    @BeforeEach
    void emptyScratch() {
        TestFiles.deleteTree(scratch);
    }

    @AfterAll
    void stop() {
        if (audit != null) {
            audit.close();
        }
        TestUsers.delete(user);
        if (sshd != null) {
            sshd.close();
        }
        TestFiles.deleteTree(keys);
        TestFiles.deleteTree(work);
        if (scratch != null) {
            TestFiles.deleteTree(scratch);
        }
    }

    // ---- fencing

    @Test
    void aLateCallForThePreviousTenantIsRefusedOverHttpAndGrpcAndTheNextTenantKeepsItsKeysAndFiles() throws Exception {
        Path keyA = TestSshd.keygen(keys, "tenant-a", "ed25519");
        Path keyB = TestSshd.keygen(keys, "tenant-b", "ed25519");
        long a = epoch() + 1;
        long b = a + 1;
        // Tenant A holds the machine under epoch a.
        http(a).body(Map.of("user", user.name(), "authorized_keys", List.of(TestSshd.publicKey(keyA))))
                .when().post("/api/v1/ssh/reset").then().statusCode(200);
        // Tenant B gets it under epoch b: its key, its files.
        http(b).body(Map.of("user", user.name(), "authorized_keys", List.of(TestSshd.publicKey(keyB))))
                .when().post("/api/v1/ssh/reset").then().statusCode(200);
        Path file = ownedFile("b-results.csv", "tenant B's data");
        assertThat(epoch()).isEqualTo(b);

        // A's late cleanup and late key reset, over HTTP: refused, nothing done.
        String lateCleanup = UUID.randomUUID().toString();
        http(a).header("X-Request-Id", lateCleanup)
                .body(Map.of("user", user.name(), "types", List.of("process", "data", "ssh")))
                .when().post("/api/v1/machine/cleanup")
                .then().statusCode(409)
                .body("success", equalTo(false))
                .body("message", equalTo("stale epoch " + a + ", this host is at " + b));
        http(a).body(Map.of("user", user.name(), "authorized_keys", List.of(TestSshd.publicKey(keyA))))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(409)
                .body("message", equalTo("stale epoch " + a + ", this host is at " + b));

        // The same over gRPC: FAILED_PRECONDITION with the same message.
        try (AgentGrpc grpc = AgentGrpc.local()) {
            assertThatThrownBy(() -> stub(grpc, a, null).cleanupMachine(AgentProto.CleanupMachineRequest.newBuilder()
                    .setUser(user.name()).addTypes("data").addTypes("ssh").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(e.getStatus().getDescription()).isEqualTo("stale epoch " + a + ", this host is at " + b);
                    });
            assertThatThrownBy(() -> stub(grpc, a, null).resetSSH(AgentProto.ResetSSHRequest.newBuilder()
                    .setUser(user.name()).addAuthorizedKeys(TestSshd.publicKey(keyA)).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
            assertThat(grpc.authorized().ping(AgentProto.PingRequest.getDefaultInstance()).getEpoch()).isEqualTo(b);
        }

        assertThat(Files.readString(user.home().resolve(".ssh/authorized_keys"))).isEqualTo(TestSshd.publicKey(keyB) + "\n");
        assertThat(sshd.run(keyB, user.name(), "true")).as(sshd.log()).isZero();
        assertThat(sshd.run(keyA, user.name(), "true")).isEqualTo(255);
        assertThat(Files.readString(file)).isEqualTo("tenant B's data");
        assertThat(epoch()).isEqualTo(b);

        // The refusal freed the id (nothing ran) and was audited with its epoch.
        assertThat(audit.of(lateCleanup, "rejected")).singleElement().satisfies(line -> {
            assertThat(line.path("epoch").asLong()).isEqualTo(a);
            assertThat(line.path("operation").asText()).isEqualTo("machine-cleanup");
            assertThat(line.path("result").asText()).isEqualTo("rejected(409)");
        });
        // B's own cleanup (epoch b) may still run.
        http(b).body(Map.of("user", user.name(), "types", List.of("data")))
                .when().post("/api/v1/machine/cleanup").then().statusCode(200)
                .body("data.epoch", equalTo((int) b));
    }

    @Test
    void aMalformedEpochIs400OverHttpAndInvalidArgumentOverGrpc() throws Exception {
        for (String bad : List.of("-1", "1.5", "0x10", "seven", "+3", "99999999999999999999", "7;8")) {
            given().header("Authorization", BEARER).header("X-Fleetlink-Epoch", bad).contentType("application/json")
                    .body(Map.of("user", user.name(), "authorized_keys", List.of()))
                    .when().post("/api/v1/ssh/reset")
                    .then().statusCode(400)
                    .body("message", containsString("X-Fleetlink-Epoch"));
        }
        try (AgentGrpc grpc = AgentGrpc.local()) {
            Metadata headers = new Metadata();
            headers.put(EPOCH, "-1");
            assertThatThrownBy(() -> grpc.authorized().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .resetSSH(AgentProto.ResetSSHRequest.newBuilder().setUser(user.name()).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        }
    }

    // ---- a request id runs once

    @Test
    void aRetryAfterA504OverHttpGetsTheFirstRunsResultAndTheCleanupRanOnce() throws Exception {
        ownedFile("leftover.bin", "x".repeat(100));
        Process tenant = tenantProcess();
        String id = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("user", user.name(), "types", List.of("process", "gpu", "data"));
        try {
            int pid = awaitPids(1).get(0);
            // A hung nvidia-smi holds the gpu step for its 3s deadline: longer than the 2s the caller waits.
            hangGpus(true);
            cleanupHttp(id, body).then().statusCode(504)
                    .body("message", equalTo("machine-cleanup still running; retry with the same X-Request-Id to get its result"));
            Response answer = untilNot504(() -> cleanupHttp(id, body));
            hangGpus(false);
            // The gpu step failed on the hung driver, so the envelope is 500; its steps are the first run's.
            answer.then().statusCode(500)
                    .body("data.steps[0].removed", org.hamcrest.Matchers.contains(String.valueOf(pid)))
                    .body("data.steps[1].type", equalTo("gpu"))
                    .body("data.steps[2].removed_total", equalTo(1))
                    .body("data.steps[2].bytes_removed", equalTo(100));
            // Once more: the first run's facts, not "removed 0 entries" from a second run.
            cleanupHttp(id, body).then().statusCode(500)
                    .body("data.steps[0].removed", org.hamcrest.Matchers.contains(String.valueOf(pid)))
                    .body("data.steps[2].removed_total", equalTo(1));
        } finally {
            hangGpus(false);
            tenant.destroyForcibly();
        }
        assertThat(audit.of(id, "execution")).singleElement().satisfies(line -> {
            assertThat(line.path("result").asText()).isEqualTo("failed-steps");
            assertThat(line.path("duration_ms").asLong()).isGreaterThanOrEqualTo(HandoverAgentProfile.OPERATION_TIMEOUT_SECONDS * 1000L);
        });
        assertThat(audit.of(id, "replay")).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(line -> assertThat(line.path("result").asText()).isEqualTo("failed-steps"));
    }

    @Test
    void aRetryAfterA504OverGrpcGetsTheFirstRunsResultAndTheCleanupRanOnce() throws Exception {
        Process tenant = tenantProcess();
        String id = UUID.randomUUID().toString();
        AgentProto.CleanupMachineRequest request = AgentProto.CleanupMachineRequest.newBuilder()
                .setUser(user.name()).addTypes("process").addTypes("gpu").build();
        try (AgentGrpc grpc = AgentGrpc.local()) {
            int pid = awaitPids(1).get(0);
            hangGpus(true);
            assertThatThrownBy(() -> stub(grpc, null, id).cleanupMachine(request))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getStatus().getDescription())
                                .isEqualTo("machine-cleanup still running; retry with the same X-Request-Id to get its result");
                    });
            AgentProto.CleanupMachineResponse response = null;
            for (int attempt = 0; attempt < 10 && response == null; attempt++) {
                try {
                    response = stub(grpc, null, id).cleanupMachine(request);
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                }
            }
            hangGpus(false);
            assertThat(response).isNotNull();
            assertThat(response.getSteps(0).getRemovedList()).containsExactly(String.valueOf(pid));
            assertThat(stub(grpc, null, id).cleanupMachine(request).getSteps(0).getRemovedList()).containsExactly(String.valueOf(pid));
        } finally {
            hangGpus(false);
            tenant.destroyForcibly();
        }
        assertThat(audit.of(id, "execution")).hasSize(1);
    }

    @Test
    void aRetryOfARunningCommandJoinsItAndTheCommandRunsOnce() throws Exception {
        Path runs = work.resolve("joined-runs");
        String id = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("command", List.of("/bin/sh", "-c", "echo run >> " + runs + "; sleep 0.7; echo ran"));
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> execHttp(id, body));
        for (int i = 0; i < 100 && !Files.exists(runs); i++) {
            Thread.sleep(20);
        }
        AgentProto.ExecuteCommandResponse retried;
        try (AgentGrpc grpc = AgentGrpc.local()) {
            retried = stub(grpc, null, id).executeCommand(AgentProto.ExecuteCommandRequest.newBuilder()
                    .addAllCommand(List.of("/bin/sh", "-c", "echo run >> " + runs + "; sleep 0.7; echo ran")).build());
        }
        first.get(30, TimeUnit.SECONDS).then().statusCode(200).body("data.stdout", equalTo("ran\n"));
        assertThat(retried.getStdout()).isEqualTo("ran\n");
        execHttp(id, body).then().statusCode(200).body("data.stdout", equalTo("ran\n"));
        assertThat(Files.readAllLines(runs)).containsExactly("run");
        assertThat(audit.of(id, "execution")).hasSize(1);
        assertThat(audit.of(id, "replay")).hasSize(2);
    }

    @Test
    void aFinishedRunIsAnsweredFromTheStateDirectoryAfterARestart() throws Exception {
        Path runs = work.resolve("restart-runs");
        String id = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("command", List.of("/bin/sh", "-c", "echo run >> " + runs + "; echo ran"));
        execHttp(id, body).then().statusCode(200).body("data.stdout", equalTo("ran\n"));

        // What a restarted agent reads: a copy of this agent's state directory, opened afresh.
        Path copy = work.resolve("state-copy");
        Files.createDirectories(copy);
        Files.copy(config.stateDir().resolve(RequestJournal.FILE), copy.resolve(RequestJournal.FILE));
        IdempotencyCache restarted = new IdempotencyCache(Duration.ofMinutes(15), 10_000, java.time.Clock.systemUTC(), json,
                RequestJournal.open(copy, json));
        byte[] fingerprint = java.security.MessageDigest.getInstance("SHA-256").digest(json.writeValueAsBytes(
                json.convertValue(body, io.fleetlink.protocol.ExecuteCommandRequest.class)));
        IdempotencyCache.Claim retry = restarted.claim(id, AgentRpc.COMMAND_EXEC, fingerprint);
        assertThat(retry.owner()).as("the retry after the restart does not run again").isFalse();
        Object stored = retry.run().outcome().get(5, TimeUnit.SECONDS);
        assertThat(json.treeToValue((JsonNode) stored, ExecuteCommandResponse.class).stdout()).isEqualTo("ran\n");
        assertThat(Files.readAllLines(runs)).containsExactly("run");
    }

    // ---- audit

    @Test
    void aCallerThatWentAwayIsAuditedOnceWhenTheWorkEnds() throws Exception {
        Path started = work.resolve("gone-started");
        Path done = work.resolve("gone-done");
        String id = UUID.randomUUID().toString();
        try (AgentGrpc grpc = AgentGrpc.local()) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), BEARER);
            headers.put(REQUEST_ID, id);
            var call = AgentServiceGrpc.newFutureStub(grpc.channel())
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .executeCommand(AgentProto.ExecuteCommandRequest.newBuilder()
                            .addAllCommand(List.of("/bin/sh", "-c", "touch " + started + "; sleep 0.6; touch " + done)).build());
            for (int i = 0; i < 200 && !Files.exists(started); i++) {
                Thread.sleep(20);
            }
            assertThat(started).exists();
            // The caller goes away while the command runs.
            call.cancel(true);
        }
        for (int i = 0; i < 100 && audit.of(id, "execution").isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertThat(done).exists();
        assertThat(audit.of(id, "execution")).singleElement().satisfies(line -> {
            assertThat(line.path("operation").asText()).isEqualTo("command-exec");
            assertThat(line.path("target").asText()).isEqualTo("command:/bin/sh");
            assertThat(line.path("transport").asText()).isEqualTo("grpc");
            assertThat(line.path("credential").asText()).isEqualTo("agent-token");
            assertThat(line.path("result").asText()).isEqualTo("ok(exit=0)");
            assertThat(line.path("duration_ms").asLong()).isGreaterThanOrEqualTo(600);
            assertThat(line.has("epoch")).isTrue();
        });
    }

    // ---- cleanup facts

    @Test
    void aCleanupReportsWhatItRemovedItsBytesPidsFingerprintsAndWhoCleanedWhen() throws Exception {
        Path key = TestSshd.keygen(keys, "facts", "ed25519");
        long epoch = epoch() + 1;
        http(epoch).body(Map.of("user", user.name(), "authorized_keys", List.of(TestSshd.publicKey(key))))
                .when().post("/api/v1/ssh/reset").then().statusCode(200);
        ownedFile("a.bin", "x".repeat(1000));
        Files.createDirectories(scratch.resolve("run1"));
        Files.writeString(scratch.resolve("run1/b.bin"), "y".repeat(234));
        Path outside = Files.writeString(work.resolve("outside.bin"), "z".repeat(50_000));
        Files.createSymbolicLink(scratch.resolve("link"), outside);
        long linkSize = Files.readAttributes(scratch.resolve("link"), java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).size();
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                processes.add(new ProcessBuilder("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups",
                        "sleep", "1000").start());
            }
            List<Integer> pids = awaitPids(2);

            try (AgentGrpc grpc = AgentGrpc.local()) {
                AgentProto.CleanupMachineResponse response = stub(grpc, epoch, null).cleanupMachine(
                        AgentProto.CleanupMachineRequest.newBuilder().setUser(user.name())
                                .addTypes("process").addTypes("data").addTypes("ssh").build());
                assertThat(response.getSuccess()).as(response.toString()).isTrue();
                assertThat(response.getEpoch()).isEqualTo(epoch);
                assertThat(response.getHostId()).isNotBlank();
                assertThat(response.getAgentVersion()).isNotBlank();
                java.time.Instant started = java.time.Instant.parse(response.getStartedAt());
                assertThat(java.time.Instant.parse(response.getFinishedAt())).isAfterOrEqualTo(started);

                AgentProto.CleanupStep process = response.getSteps(0);
                assertThat(process.getRemovedList()).containsExactlyInAnyOrderElementsOf(pids.stream().map(String::valueOf).toList());
                assertThat(process.getRemovedTotal()).isEqualTo(2);

                AgentProto.CleanupStep data = response.getSteps(1);
                assertThat(data.getRemovedTotal()).as(data.toString()).isEqualTo(4); // a.bin, run1/b.bin, run1, link
                assertThat(data.getBytesRemoved()).isEqualTo(1000 + 234 + linkSize);

                AgentProto.CleanupStep ssh = response.getSteps(2);
                assertThat(ssh.getRemovedList()).containsExactly(TestSshd.fingerprint(key));
                assertThat(ssh.getRemovedTotal()).isEqualTo(1);
                assertThat(ssh.getSessionsEnded()).isZero();
                assertThat(response.getStepsList()).allSatisfy(step -> assertThat(step.getDurationMs()).isNotNegative());
            }
            assertThat(Files.readString(outside)).hasSize(50_000);
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void aCleanupStopsAtTheNextStepOnceTheHostMovedToANewerEpoch() throws Exception {
        long old = epoch() + 1;
        long next = old + 1;
        ownedFile("next-tenant.bin", "must survive");
        String id = UUID.randomUUID().toString();
        TestUser other = TestUsers.create();
        try {
            // A hung nvidia-smi holds the gpu step for its 3s deadline: the window the epoch rises in.
            hangGpus(true);
            CompletableFuture<Response> cleanup = CompletableFuture.supplyAsync(() -> http(old).header("X-Request-Id", id)
                    .body(Map.of("user", user.name(), "types", List.of("process", "gpu", "data", "ssh")))
                    .when().post("/api/v1/machine/cleanup"));
            awaitJournaled(id);
            // The next tenant's first call, on another target, raises the host's epoch meanwhile.
            http(next).body(Map.of("user", other.name(), "authorized_keys", List.of()))
                    .when().post("/api/v1/ssh/reset").then().statusCode(200);
            cleanup.get(60, TimeUnit.SECONDS);
            Response result = untilNot504(() -> http(old).header("X-Request-Id", id)
                    .body(Map.of("user", user.name(), "types", List.of("process", "gpu", "data", "ssh")))
                    .when().post("/api/v1/machine/cleanup"));
            result.then().statusCode(500)
                    .body("data.steps[0].type", equalTo("process"))
                    .body("data.steps[2].type", equalTo("data"))
                    .body("data.steps[2].success", equalTo(false))
                    .body("data.steps[2].message", equalTo("fenced: this host moved to epoch " + next))
                    .body("data.steps[3].type", equalTo("ssh"))
                    .body("data.steps[3].message", equalTo("fenced: this host moved to epoch " + next))
                    .body("data.epoch", equalTo((int) old));
            assertThat(Files.readString(scratch.resolve("next-tenant.bin"))).isEqualTo("must survive");
        } finally {
            hangGpus(false);
            TestUsers.killAll(user);
            TestUsers.delete(other);
        }
    }

    // ---- helpers

    private long epoch() {
        return given().header("Authorization", BEARER).when().get("/api/v1/ping")
                .then().statusCode(200).extract().jsonPath().getLong("data.epoch");
    }

    private static RequestSpecification http(long epoch) {
        return given().header("Authorization", BEARER).header("X-Fleetlink-Epoch", String.valueOf(epoch))
                .contentType("application/json");
    }

    private static Response execHttp(String id, Map<String, Object> body) {
        return given().header("Authorization", BEARER).header("X-Request-Id", id).contentType("application/json")
                .body(body).when().post("/api/v1/command/exec");
    }

    private static Response untilNot504(java.util.function.Supplier<Response> call) {
        for (int attempt = 0; attempt < 30; attempt++) {
            Response response = call.get();
            if (response.statusCode() != 504) {
                return response;
            }
        }
        throw new AssertionError("still 504 after 30 retries");
    }

    private static AgentServiceGrpc.AgentServiceBlockingStub stub(AgentGrpc grpc, Long epoch, String requestId) {
        Metadata headers = new Metadata();
        if (epoch != null) {
            headers.put(EPOCH, String.valueOf(epoch));
        }
        if (requestId != null) {
            headers.put(REQUEST_ID, requestId);
        }
        return grpc.authorized().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** A process of the tenant, for the process step to end. */
    private Process tenantProcess() throws java.io.IOException {
        return new ProcessBuilder("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups",
                "sleep", "1000").start();
    }

    /** Makes the fake nvidia-smi hang (until the agent's 3s deadline ends each probe), or answer again. */
    private void hangGpus(boolean hang) throws java.io.IOException {
        Path script = Path.of(config.gpu().nvidiaSmi());
        if (hang) {
            FakeNvidiaSmi.set(script, "mode", "hang");
        } else {
            FakeNvidiaSmi.reset(script);
        }
    }

    private static Response cleanupHttp(String id, Map<String, Object> body) {
        return given().header("Authorization", BEARER).header("X-Request-Id", id).contentType("application/json")
                .body(body).when().post("/api/v1/machine/cleanup");
    }

    private Path ownedFile(String name, String content) throws Exception {
        Files.createDirectories(scratch);
        Path file = Files.writeString(scratch.resolve(name), content);
        TestCommands.ok("chown", "-R", user.uid() + ":" + user.gid(), scratch.toString());
        return file;
    }

    private List<Integer> awaitPids(int count) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            List<Integer> pids = TestUsers.runningPidsOf(user.uid());
            if (pids.size() >= count) {
                return pids;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the user's processes did not start");
    }

    /** Waits until the journal says the run of {@code id} started (its first step is under way). */
    private void awaitJournaled(String id) throws Exception {
        Path journal = config.stateDir().resolve(RequestJournal.FILE);
        for (int i = 0; i < 200; i++) {
            if (Files.exists(journal) && Files.readAllLines(journal).stream().anyMatch(line -> line.contains("\"" + id + "\""))) {
                return;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("the cleanup " + id + " did not start");
    }

}
