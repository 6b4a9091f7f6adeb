package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestSshd;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;

/** ResetSSH against a real sshd, a real user and keys made by ssh-keygen, over HTTP and gRPC. */
@QuarkusTest
@TestProfile(HostOpsProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshResetTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;

    private TestSshd sshd;
    private TestUser user;
    private Path keys;
    private Path keyA;
    private Path keyB;

    @BeforeAll
    void startSshdAndUser() throws Exception {
        RealParts.requireRoot();
        sshd = TestSshd.start();
        user = TestUsers.create();
        keys = Files.createTempDirectory("flkeys-");
        keyA = TestSshd.keygen(keys, "a", "ed25519");
        keyB = TestSshd.keygen(keys, "b", "ed25519");
    }

    @AfterAll
    void stopEverything() {
        TestUsers.delete(user);
        if (sshd != null) {
            sshd.close();
        }
        TestFiles.deleteTree(keys);
    }

    @Test
    void replacesKeysAtomicallyAndLoginFollowsTheNewKey() throws Exception {
        Path rsa = TestSshd.keygen(keys, "rsa", "rsa");
        Path ecdsa = TestSshd.keygen(keys, "ecdsa", "ecdsa");
        http().body(reset(List.of(TestSshd.publicKey(keyA), TestSshd.publicKey(rsa), TestSshd.publicKey(ecdsa)), false))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(200)
                .body("success", equalTo(true))
                .body("data.user", equalTo(user.name()))
                .body("data.fingerprints", contains(TestSshd.fingerprint(keyA), TestSshd.fingerprint(rsa), TestSshd.fingerprint(ecdsa)))
                .body("data.sessions_terminated", equalTo(0));
        Path file = authorizedKeys();
        assertOwnedPrivate(file, "rw-------");
        assertOwnedPrivate(file.getParent(), "rwx------");
        assertThat(sshd.run(keyA, user.name(), "true")).as(sshd.log()).isZero();
        assertThat(sshd.run(keyB, user.name(), "true")).isEqualTo(255);
        Object inodeBefore = Files.getAttribute(file, "unix:ino");

        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.ResetSSHResponse response = grpc.authorized().resetSSH(AgentProto.ResetSSHRequest.newBuilder()
                    .setUser(user.name())
                    .addAuthorizedKeys(TestSshd.publicKey(keyB))
                    .build());
            assertThat(response.getUser()).isEqualTo(user.name());
            assertThat(response.getFingerprintsList()).containsExactly(TestSshd.fingerprint(keyB));
        }
        // Replaced by rename, not rewritten in place: a reader never sees half a file.
        assertThat(Files.getAttribute(file, "unix:ino")).isNotEqualTo(inodeBefore);
        assertOwnedPrivate(file, "rw-------");
        assertThat(Files.readString(file)).isEqualTo(TestSshd.publicKey(keyB) + "\n");
        assertThat(sshd.run(keyB, user.name(), "true")).as(sshd.log()).isZero();
        assertThat(sshd.run(keyA, user.name(), "true")).isEqualTo(255);
        assertThat(siblingsOf(file)).containsExactly("authorized_keys");
    }

    @Test
    void terminateSessionsEndsTheUsersOpenSessions() throws Exception {
        install(keyA);
        Process session = sshd.openSession(keyA, user.name());
        try {
            awaitSession();
            try (AgentGrpc grpc = AgentGrpc.local()) {
                AgentProto.ResetSSHResponse response = grpc.authorized().resetSSH(AgentProto.ResetSSHRequest.newBuilder()
                        .setUser(user.name())
                        .addAuthorizedKeys(TestSshd.publicKey(keyB))
                        .build());
                assertThat(response.getSessionsTerminated()).isGreaterThanOrEqualTo(1);
            }
            assertThat(session.waitFor(15, TimeUnit.SECONDS)).as("ssh client ended").isTrue();
        } finally {
            session.destroyForcibly();
        }
    }

    @Test
    void keepsSessionsWhenTerminateSessionsIsFalse() throws Exception {
        install(keyA);
        Process session = sshd.openSession(keyA, user.name());
        try {
            awaitSession();
            http().body(reset(List.of(TestSshd.publicKey(keyA)), false))
                    .when().post("/api/v1/ssh/reset")
                    .then().statusCode(200)
                    .body("data.sessions_terminated", equalTo(0));
            assertThat(session.isAlive()).isTrue();
            http().body(Map.of("user", user.name(), "authorized_keys", List.of(TestSshd.publicKey(keyA))))
                    .when().post("/api/v1/ssh/reset")
                    .then().statusCode(200)
                    .body("data.sessions_terminated", greaterThanOrEqualTo(1));
            assertThat(session.waitFor(15, TimeUnit.SECONDS)).isTrue();
        } finally {
            session.destroyForcibly();
        }
    }

    @Test
    void emptyListRevokesEveryKeyIncludingAuthorizedKeys2() throws Exception {
        install(keyA);
        Path legacy = authorizedKeys().resolveSibling("authorized_keys2");
        Files.writeString(legacy, TestSshd.publicKey(keyB) + "\n");
        http().body(reset(List.of(), false))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(200)
                .body("data.fingerprints.size()", equalTo(0));
        assertThat(Files.size(authorizedKeys())).isZero();
        assertThat(legacy).doesNotExist();
        assertThat(sshd.run(keyA, user.name(), "true")).isEqualTo(255);
        assertThat(sshd.run(keyB, user.name(), "true")).isEqualTo(255);
    }

    @Test
    void rejectsInvalidKeysNamingTheEntryAndLeavesTheFileAlone() throws Exception {
        install(keyA);
        String good = TestSshd.publicKey(keyB);
        String[] parts = good.split(" ");
        byte[] blob = Base64.getDecoder().decode(parts[1]);
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("ssh-foo " + parts[1], "unknown key type 'ssh-foo'");
        bad.put("ssh-dss " + parts[1], "key type ssh-dss is not allowed");
        bad.put("ssh-ed25519 !!!not-base64!!!", "not valid base64");
        bad.put("ssh-rsa " + parts[1] + " mismatch", "is a ssh-ed25519 key but the entry says ssh-rsa");
        bad.put("ssh-ed25519 " + Base64.getEncoder().encodeToString(Arrays.copyOf(blob, blob.length - 5)), "not a valid ssh-ed25519");
        bad.put("ssh-ed25519 " + Base64.getEncoder().encodeToString(Arrays.copyOf(blob, blob.length + 4)), "trailing bytes");
        bad.put(good + "\nssh-ed25519 " + parts[1], "a newline");
        bad.put(good + "\r", "a carriage return");
        bad.put(good + "\0", "a NUL");
        bad.put("command=\"/bin/sh -c id\" " + good, "options");
        bad.put("no-pty " + good, "options");
        bad.put("ssh-ed25519", "must have the form");
        Path file = authorizedKeys();
        String before = Files.readString(file);
        Object inode = Files.getAttribute(file, "unix:ino");
        for (Map.Entry<String, String> entry : bad.entrySet()) {
            http().body(reset(List.of(good, entry.getKey()), true))
                    .when().post("/api/v1/ssh/reset")
                    .then().statusCode(400)
                    .body("success", equalTo(false))
                    .body("message", containsString("authorized_keys[1]"))
                    .body("message", containsString(entry.getValue()));
        }
        try (AgentGrpc grpc = AgentGrpc.local()) {
            assertThatThrownBy(() -> grpc.authorized().resetSSH(AgentProto.ResetSSHRequest.newBuilder()
                    .setUser(user.name())
                    .addAuthorizedKeys(good)
                    .addAuthorizedKeys("command=\"id\" " + good)
                    .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).contains("authorized_keys[1]");
                    });
        }
        assertThat(Files.readString(file)).isEqualTo(before);
        assertThat(Files.getAttribute(file, "unix:ino")).isEqualTo(inode);
        assertThat(siblingsOf(file)).containsExactly("authorized_keys");
    }

    @Test
    void rejectsMalformedRequests() {
        http().body("{\"user\": ").when().post("/api/v1/ssh/reset")
                .then().statusCode(400).body("message", containsString("not valid JSON"));
        http().body(Map.of("user", user.name(), "authorised_keys", List.of()))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(400)
                .body("code", equalTo(400))
                .body("message", containsString("authorised_keys: unknown field"));
        http().body(Map.of("authorized_keys", List.of()))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(400).body("message", containsString("user:"));
        http().body(Map.of("user", "../etc", "authorized_keys", List.of()))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(400).body("message", containsString("user: must be a user name"));
        http().body(Map.of("user", user.name(), "authorized_keys", "ssh-ed25519 AAAA"))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(400).body("message", containsString("authorized_keys: must be a JSON array"));
    }

    @Test
    void refusesSystemAccountsAndUnknownUsers() throws Exception {
        TestUser system = TestUsers.createSystem();
        try {
            http().body(reset("root", List.of(TestSshd.publicKey(keyA))))
                    .when().post("/api/v1/ssh/reset")
                    .then().statusCode(403).body("message", containsString("outside fleetlink.agent.tenant-uid-min=1000"));
            http().body(reset(system.name(), List.of(TestSshd.publicKey(keyA))))
                    .when().post("/api/v1/ssh/reset")
                    .then().statusCode(403).body("message", containsString("uid " + system.uid()));
            http().body(reset(TestUsers.uniqueName(), List.of()))
                    .when().post("/api/v1/ssh/reset")
                    .then().statusCode(404).body("message", containsString("no such user"));
            try (AgentGrpc grpc = AgentGrpc.local()) {
                assertThatThrownBy(() -> grpc.authorized().resetSSH(AgentProto.ResetSSHRequest.newBuilder().setUser("root").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
                assertThatThrownBy(() -> grpc.authorized().resetSSH(AgentProto.ResetSSHRequest.newBuilder().setUser(TestUsers.uniqueName()).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            }
            assertThat(Path.of("/nonexistent", system.name())).doesNotExist();
        } finally {
            TestUsers.delete(system);
        }
    }

    @Test
    void replacesASymlinkedSshDirectoryWithoutWritingThroughIt() throws Exception {
        Path elsewhere = Files.createTempDirectory("flelsewhere-");
        try {
            Files.writeString(elsewhere.resolve("authorized_keys"), "sentinel\n");
            Path ssh = user.home().resolve(".ssh");
            TestFiles.deleteTree(ssh);
            Files.createSymbolicLink(ssh, elsewhere);

            http().body(reset(List.of(TestSshd.publicKey(keyA)), false))
                    .when().post("/api/v1/ssh/reset")
                    .then().statusCode(200);

            assertThat(Files.readString(elsewhere.resolve("authorized_keys"))).isEqualTo("sentinel\n");
            assertThat(siblingsOf(elsewhere.resolve("authorized_keys"))).containsExactly("authorized_keys");
            assertThat(Files.isSymbolicLink(ssh)).isFalse();
            assertOwnedPrivate(ssh, "rwx------");
            assertThat(Files.readString(ssh.resolve("authorized_keys"))).isEqualTo(TestSshd.publicKey(keyA) + "\n");
            assertThat(sshd.run(keyA, user.name(), "true")).as(sshd.log()).isZero();
        } finally {
            TestFiles.deleteTree(elsewhere);
        }
    }

    @Test
    void replacesWhateverIsPlantedAtTheKeysFilesOrSshWithoutWaitingAndLoginFollowsTheNewKey() throws Exception {
        Path ssh = user.home().resolve(".ssh");
        Path elsewhere = Files.createTempDirectory("flelsewhere-");
        try {
            Path oldKeys = elsewhere.resolve("authorized_keys");
            Files.writeString(oldKeys, TestSshd.publicKey(keyB) + "\n");
            List<String[]> cases = new java.util.ArrayList<>();
            for (String name : List.of("authorized_keys", "authorized_keys2")) {
                for (String kind : List.of("fifo", "socket", "symlink", "directory")) {
                    cases.add(new String[] {name, kind});
                }
            }
            for (String kind : List.of("symlink", "fifo", "socket", "file")) {
                cases.add(new String[] {".ssh", kind});
            }
            for (int i = 0; i < cases.size(); i++) {
                String name = cases.get(i)[0];
                String kind = cases.get(i)[1];
                boolean grpc = i % 2 == 1;
                String what = kind + " at " + name + " over " + (grpc ? "gRPC" : "HTTP");
                install(keyB);
                if (name.equals(".ssh")) {
                    TestFiles.deleteTree(ssh);
                    TestFiles.plant(ssh, kind, elsewhere);
                } else {
                    Files.deleteIfExists(ssh.resolve(name));
                    TestFiles.plant(ssh.resolve(name), kind, oldKeys);
                }

                assertTimeoutPreemptively(Duration.ofSeconds(20), () -> resetTo(keyA, grpc), what);

                assertThat(Files.isDirectory(ssh, LinkOption.NOFOLLOW_LINKS)).as(what).isTrue();
                assertThat(Files.isRegularFile(authorizedKeys(), LinkOption.NOFOLLOW_LINKS)).as(what).isTrue();
                assertThat(Files.readString(authorizedKeys())).as(what).isEqualTo(TestSshd.publicKey(keyA) + "\n");
                assertThat(Files.exists(ssh.resolve("authorized_keys2"), LinkOption.NOFOLLOW_LINKS)).as(what).isFalse();
                assertOwnedPrivate(ssh, "rwx------");
                assertThat(oldKeys).as(what).hasContent(TestSshd.publicKey(keyB) + "\n");
                assertThat(sshd.run(keyA, user.name(), "true")).as(what + ": " + sshd.log()).isZero();
                assertThat(sshd.run(keyB, user.name(), "true")).as(what).isEqualTo(255);
            }
            assertThat(TestFiles.parkedThreads("fleetlink-ssh-")).as("no open left waiting").isEmpty();
        } finally {
            TestFiles.deleteTree(elsewhere);
        }
    }

    private void resetTo(Path key, boolean grpc) throws InterruptedException {
        if (grpc) {
            try (AgentGrpc client = AgentGrpc.local()) {
                AgentProto.ResetSSHResponse response = client.authorized().resetSSH(AgentProto.ResetSSHRequest.newBuilder()
                        .setUser(user.name())
                        .addAuthorizedKeys(TestSshd.publicKey(key))
                        .setTerminateSessions(false)
                        .build());
                assertThat(response.getFingerprintsList()).containsExactly(TestSshd.fingerprint(key));
            }
            return;
        }
        http().body(reset(List.of(TestSshd.publicKey(key)), false))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(200)
                .body("data.fingerprints", contains(TestSshd.fingerprint(key)));
    }

    // ---- helpers

    private RequestSpecification http() {
        return given().header("Authorization", BEARER).contentType("application/json");
    }

    private Map<String, Object> reset(List<String> keys, boolean terminate) {
        return Map.of("user", user.name(), "authorized_keys", keys, "terminate_sessions", terminate);
    }

    private static Map<String, Object> reset(String name, List<String> keys) {
        return Map.of("user", name, "authorized_keys", keys);
    }

    private void install(Path key) {
        http().body(reset(List.of(TestSshd.publicKey(key)), true))
                .when().post("/api/v1/ssh/reset")
                .then().statusCode(200);
    }

    private Path authorizedKeys() {
        return user.home().resolve(".ssh").resolve("authorized_keys");
    }

    /** Waits until sshd serves a session for the user (its session process carries "sshd: user@"). */
    private void awaitSession() throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (TestUsers.pidsOf(user.uid()).stream().anyMatch(this::isSessionProcess)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no ssh session of " + user.name() + " appeared; sshd log:\n" + sshd.log());
    }

    private boolean isSessionProcess(int pid) {
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "cmdline")), StandardCharsets.UTF_8);
            return cmdline.startsWith("sshd: " + user.name() + "@");
        } catch (IOException e) {
            return false;
        }
    }

    private void assertOwnedPrivate(Path path, String mode) throws IOException {
        assertThat(Files.isSymbolicLink(path)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS))).isEqualTo(mode);
        assertThat(Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(user.uid());
        assertThat(Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(user.gid());
    }

    private static List<String> siblingsOf(Path file) throws IOException {
        try (var entries = Files.list(file.getParent())) {
            return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
        }
    }
}
