package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.proto.agent.v1.AgentServiceGrpc;
import io.fleetlink.protocol.StatusCodes;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestPorts;
import io.fleetlink.support.TestSshd;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Every bad input we know of, for every mutating operation, over both transports where the input can
 * be written in both: each must be refused with the right status naming the field, and leave the host
 * exactly as it was (keys, data, mounts, the tenant's processes, the accounts). The fixtures are real
 * and would show any damage: a tenant with installed keys, data with a sentinel in both data roots, a
 * mounted dataset, and a running task process of the tenant; exec cases would leave a file behind.
 */
@QuarkusTest
@TestProfile(HostOpsProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The operations under test: HTTP path, gRPC method, and an empty proto message to fill. */
    enum Op {
        STOP("/api/v1/process/stop", AgentServiceGrpc.getStopProcessMethod(), AgentProto.StopProcessRequest::newBuilder),
        SSH("/api/v1/ssh/reset", AgentServiceGrpc.getResetSSHMethod(), AgentProto.ResetSSHRequest::newBuilder),
        CLEANUP("/api/v1/machine/cleanup", AgentServiceGrpc.getCleanupMachineMethod(), AgentProto.CleanupMachineRequest::newBuilder),
        MOUNT("/api/v1/dataset/mount", AgentServiceGrpc.getMountDatasetMethod(), AgentProto.MountDatasetRequest::newBuilder),
        UNMOUNT("/api/v1/dataset/unmount", AgentServiceGrpc.getUnmountDatasetMethod(), AgentProto.UnmountDatasetRequest::newBuilder),
        EXEC("/api/v1/command/exec", AgentServiceGrpc.getExecuteCommandMethod(), AgentProto.ExecuteCommandRequest::newBuilder);

        final String path;
        final MethodDescriptor<byte[], byte[]> raw;
        final Supplier<Message.Builder> proto;

        Op(String path, MethodDescriptor<?, ?> method, Supplier<Message.Builder> proto) {
            this.path = path;
            this.raw = MethodDescriptor.newBuilder(RawBytes.INSTANCE, RawBytes.INSTANCE)
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(method.getFullMethodName())
                    .build();
            this.proto = proto;
        }
    }

    enum Transport {
        HTTP, GRPC
    }

    /**
     * One bad input: {@code fields} (both transports) or a raw JSON body (HTTP only) or raw protobuf bytes
     * (gRPC only). Strings may hold placeholders such as {user}, replaced with the fixtures at run time.
     */
    record Case(String name, Op op, Set<Transport> transports, Map<String, Object> fields, String json, byte[] proto,
            int status, String field, String epoch) {

        Case(String name, Op op, Set<Transport> transports, Map<String, Object> fields, String json, byte[] proto,
                int status, String field) {
            this(name, op, transports, fields, json, proto, status, field, null);
        }

        /** This case sent with {@code X-Fleetlink-Epoch} / {@code x-fleetlink-epoch} set to {@code value}. */
        Case withEpoch(String value) {
            return new Case(name, op, transports, fields, json, proto, status, field, value);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    // ---------------------------------------------------------------- fixtures

    @Inject
    AgentConfig config;

    private TestUser tenant;
    private TestUser system;
    private Path keys;
    private String key;
    private List<Path> dataRoots;
    private Path sourceDir;
    private Path outside;
    private Path mountRoot;
    private final String dataset = "corpus-" + TestUsers.uniqueName();
    private final String task = "corpus-" + TestUsers.uniqueName();
    private final String unknownUser = TestUsers.uniqueName();
    private Process taskProcess;
    private AgentGrpc grpc;

    @BeforeAll
    void createFixtures() throws Exception {
        RealParts.requireRoot();
        grpc = AgentGrpc.local(); // one channel for the whole corpus: a channel per case doubles its run time
        tenant = TestUsers.create();
        system = TestUsers.createSystem();
        keys = Files.createTempDirectory("flcorpus-keys-");
        key = TestSshd.publicKey(TestSshd.keygen(keys, "k", "ed25519"));
        // Installed through the agent itself, so the file is exactly what a real reset leaves.
        http(Op.SSH, "{\"user\":\"" + tenant.name() + "\",\"authorized_keys\":[\"" + key + "\"],\"terminate_sessions\":false}")
                .then().statusCode(200);

        dataRoots = config.cleanup().dataRoots().orElseThrow().stream()
                .map(root -> Path.of(root.replace("{user}", tenant.name())))
                .toList();
        for (Path root : dataRoots) {
            Files.createDirectories(root.resolve("run-1"));
            Files.writeString(root.resolve("sentinel.txt"), "keep me");
            Files.writeString(root.resolve("run-1").resolve("weights.bin"), "0123456789");
            TestCommands.ok("chown", "-R", tenant.uid() + ":" + tenant.gid(), root.toString());
        }

        mountRoot = config.datasets().mountRoot();
        Path sources = Path.of(config.datasets().allowedSources().orElseThrow().get(0));
        sourceDir = Files.createDirectories(sources.resolve(dataset));
        Files.writeString(sourceDir.resolve("labels.txt"), "cat\n");
        outside = Files.createTempDirectory("flcorpus-outside-");
        http(Op.MOUNT, "{\"dataset_id\":\"" + dataset + "\",\"source\":\"" + sourceDir + "\"}")
                .then().statusCode(200);

        ProcessBuilder sleeper = new ProcessBuilder("setpriv", "--reuid=" + tenant.uid(), "--regid=" + tenant.gid(),
                "--clear-groups", "sleep", "1000");
        sleeper.environment().put(config.process().taskEnv(), task);
        taskProcess = sleeper.start();
        for (int i = 0; i < 50 && TestUsers.pidsOf(tenant.uid()).isEmpty(); i++) {
            Thread.sleep(20);
        }
        assertThat(TestUsers.pidsOf(tenant.uid())).as("the tenant's task process").isNotEmpty();
    }

    @AfterAll
    void removeFixtures() throws Exception {
        if (taskProcess != null) {
            taskProcess.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (mountRoot != null) {
            http(Op.UNMOUNT, "{\"dataset_id\":\"" + dataset + "\"}");
            TestFiles.unmountAllUnder(mountRoot.resolve(dataset)); // in case the agent could not
        }
        TestUsers.delete(tenant);
        TestUsers.delete(system);
        if (dataRoots != null) {
            dataRoots.forEach(TestFiles::deleteTree);
            TestFiles.deleteTree(dataRoots.get(1).getParent()); // homes/<user>, above the work root
        }
        TestFiles.deleteTree(sourceDir);
        TestFiles.deleteTree(outside);
        TestFiles.deleteTree(keys);
        if (grpc != null) {
            grpc.close();
        }
    }

    // ---------------------------------------------------------------- the test

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void refusesNamingTheFieldAndChangesNothing(String name, Case c, Transport transport) throws Exception {
        HostState before = HostState.of(this);

        Reply reply = transport == Transport.HTTP ? overHttp(c) : overGrpc(c);

        if (transport == Transport.HTTP) {
            assertThat(reply.status()).as("HTTP status; message: %s", reply.message()).isEqualTo(c.status());
        } else {
            assertThat(reply.grpc()).as("gRPC code; description: %s", reply.message()).isEqualTo(StatusCodes.toGrpc(c.status()));
        }
        assertThat(reply.message()).as("the message names the field").contains(c.field());
        assertThat(HostState.of(this)).as("the host after the request").isEqualTo(before);
    }

    private record Reply(int status, Status.Code grpc, String message) {
    }

    private Reply overHttp(Case c) {
        String body = c.json() != null ? fill(c.json()) : fill(toJson(c.fields()));
        Response response = http(c.op(), body, c.epoch());
        String message = response.jsonPath().getString("message");
        assertThat(response.jsonPath().getBoolean("success")).as("envelope success; body: %s", response.asString()).isFalse();
        assertThat(response.jsonPath().getInt("code")).as("envelope code").isEqualTo(response.statusCode());
        return new Reply(response.statusCode(), null, message);
    }

    private Response http(Op op, String body) {
        return http(op, body, null);
    }

    private Response http(Op op, String body, String epoch) {
        // The port explicitly: Quarkus points RestAssured at the test port only before each test, after @BeforeAll.
        var request = given().port(TestPorts.httpPort())
                .header("Authorization", BEARER);
        if (epoch != null) {
            request = request.header("X-Fleetlink-Epoch", epoch);
        }
        return request
                .contentType("application/json")
                .body(body.getBytes(StandardCharsets.UTF_8))
                .when().post(op.path);
    }

    private Reply overGrpc(Case c) throws Exception {
        byte[] request = c.proto() != null ? c.proto() : toProto(c.op(), c.fields());
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), BEARER);
        if (c.epoch() != null) {
            headers.put(Metadata.Key.of("x-fleetlink-epoch", Metadata.ASCII_STRING_MARSHALLER), c.epoch());
        }
        try {
            var channel = ClientInterceptors.intercept(grpc.channel(), MetadataUtils.newAttachHeadersInterceptor(headers));
            ClientCalls.blockingUnaryCall(channel, c.op().raw, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
            return new Reply(0, Status.Code.OK, "(the call succeeded)");
        } catch (StatusRuntimeException e) {
            return new Reply(0, e.getStatus().getCode(), String.valueOf(e.getStatus().getDescription()));
        }
    }

    private static String toJson(Map<String, Object> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same fields as a protobuf message, set by field name through the descriptor. */
    private byte[] toProto(Op op, Map<String, Object> fields) {
        Message.Builder builder = op.proto.get();
        Descriptors.Descriptor type = builder.getDescriptorForType();
        fields.forEach((name, value) -> {
            Descriptors.FieldDescriptor field = type.findFieldByName(name);
            assertThat(field).as("proto field %s", name).isNotNull();
            if (field.isMapField()) {
                ((Map<?, ?>) value).forEach((k, v) -> {
                    Message.Builder entry = builder.newBuilderForField(field);
                    entry.setField(field.getMessageType().findFieldByName("key"), fill((String) k));
                    entry.setField(field.getMessageType().findFieldByName("value"), fill((String) v));
                    builder.addRepeatedField(field, entry.build());
                });
            } else if (field.isRepeated()) {
                ((List<?>) value).forEach(item -> builder.addRepeatedField(field, fillValue(item)));
            } else {
                builder.setField(field, fillValue(value));
            }
        });
        return builder.build().toByteArray();
    }

    private Object fillValue(Object value) {
        return value instanceof String text ? fill(text) : value;
    }

    private String fill(String text) {
        return text.replace("{user}", tenant.name())
                .replace("{system}", system.name())
                .replace("{unknown}", unknownUser)
                .replace("{key}", key)
                .replace("{task}", task)
                .replace("{dataset}", dataset)
                .replace("{scratch}", dataRoots.get(0).toString())
                .replace("{source}", sourceDir.toString())
                .replace("{sources}", sourceDir.getParent().toString())
                .replace("{outside}", outside.toString());
    }

    // ---------------------------------------------------------------- what must not change

    /** What a wrongly accepted request would have changed on the host. */
    record HostState(List<String> sshDir, String authorizedKeys, List<String> data, List<String> mounts,
            List<Integer> tenantProcesses, List<String> accounts) {

        static HostState of(BadInputCorpusTest t) throws IOException {
            Path ssh = t.tenant.home().resolve(".ssh");
            List<String> data = new ArrayList<>();
            for (Path root : t.dataRoots) {
                data.addAll(listing(root));
            }
            return new HostState(listing(ssh), Files.readString(ssh.resolve("authorized_keys")), data,
                    Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                            .filter(line -> line.contains(t.mountRoot.toString()))
                            .map(line -> line.substring(line.indexOf(' '))) // the mount id may be reused, the rest may not change
                            .sorted()
                            .toList(),
                    TestUsers.pidsOf(t.tenant.uid()).stream().sorted().toList(),
                    accounts(t));
        }

        /** Every entry under {@code dir}: path, type, mode, owner and size, and the content of small files. */
        private static List<String> listing(Path dir) throws IOException {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                return List.of(dir + " (absent)");
            }
            try (Stream<Path> entries = Files.walk(dir)) {
                return entries.sorted().map(path -> {
                    try {
                        var attrs = Files.readAttributes(path, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        String content = attrs.isRegularFile() && attrs.size() < 4096 ? " " + Files.readString(path) : "";
                        return path + " " + (attrs.isDirectory() ? "d" : attrs.isSymbolicLink() ? "l" : "f") + " "
                                + PosixFilePermissions.toString(attrs.permissions()) + " " + attrs.owner().getName() + " "
                                + attrs.size() + content;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).toList();
            }
        }

        /**
         * {@code getent passwd}, less the throw-away accounts of test runs in other checkouts on this
         * machine (same fl + 6 characters shape), which come and go while this test runs.
         */
        private static List<String> accounts(BadInputCorpusTest t) {
            Set<String> ours = Set.of(t.tenant.name(), t.system.name());
            return TestCommands.ok("getent", "passwd").stdout().lines()
                    .filter(line -> {
                        String user = line.substring(0, Math.max(0, line.indexOf(':')));
                        return ours.contains(user) || !user.matches("fl[a-z0-9]{6}");
                    })
                    .sorted()
                    .toList();
        }
    }

    // ---------------------------------------------------------------- the corpus

    private static final Set<Transport> BOTH = EnumSet.allOf(Transport.class);

    /** Both transports; {@code kv} alternates field names and values. */
    private static Case both(String name, Op op, int status, String field, Object... kv) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            fields.put((String) kv[i], kv[i + 1]);
        }
        return new Case(name, op, BOTH, fields, null, null, status, field);
    }

    /** A JSON body only HTTP can carry (a type proto3 would not let us send, a duplicate key, ...). */
    private static Case json(String name, Op op, String field, String body) {
        return new Case(name, op, EnumSet.of(Transport.HTTP), null, body, null, 400, field);
    }

    /** Raw protobuf bytes only gRPC can carry. */
    private static Case proto(String name, Op op, String field, byte[] bytes) {
        return new Case(name, op, EnumSet.of(Transport.GRPC), null, null, bytes, 400, field);
    }

    /** A length-delimited field {@code number} holding {@code value} as is. */
    private static byte[] lengthDelimited(int number, byte... value) {
        byte[] out = new byte[value.length + 2];
        out[0] = (byte) (number << 3 | 2);
        out[1] = (byte) value.length;
        System.arraycopy(value, 0, out, 2, value.length);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static final byte[] NOT_UTF8 = {(byte) 'a', (byte) 0xC3, (byte) 0x28};
    private static final byte[] TRUNCATED = {0x0a, 0x7f, 'a'};

    /** Exec cases all try to leave this file in the tenant's data root, so a command that ran shows up. */
    private static final List<String> LEAVE_A_MARK = List.of("/bin/sh", "-c", "touch {scratch}/exec-ran");

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        String cleanupUser = "{\"user\":\"{user}\",\"types\":[\"data\"]";

        // ---- StopProcess
        cases.add(both("stop: task_id missing", Op.STOP, 400, "task_id"));
        cases.add(both("stop: task_id with shell characters", Op.STOP, 400, "task_id", "task_id", "{task}; kill -9 -1"));
        cases.add(both("stop: task_id too long", Op.STOP, 400, "task_id", "task_id", "t".repeat(257)));
        cases.add(both("stop: signal not on the list", Op.STOP, 400, "signal", "task_id", "{task}", "signal", "STOP"));
        cases.add(both("stop: signal as a number", Op.STOP, 400, "signal", "task_id", "{task}", "signal", "9"));
        cases.add(both("stop: signal lower case", Op.STOP, 400, "signal", "task_id", "{task}", "signal", "kill"));
        cases.add(both("stop: grace over the cap", Op.STOP, 400, "grace_period_seconds", "task_id", "{task}", "grace_period_seconds", 100_000));
        cases.add(both("stop: negative grace", Op.STOP, 400, "grace_period_seconds", "task_id", "{task}", "grace_period_seconds", -1));
        cases.add(json("stop: grace as a string", Op.STOP, "grace_period_seconds", "{\"task_id\":\"{task}\",\"grace_period_seconds\":\"5\"}"));
        cases.add(json("stop: grace as a fraction", Op.STOP, "grace_period_seconds", "{\"task_id\":\"{task}\",\"grace_period_seconds\":1.5}"));
        cases.add(json("stop: grace beyond int", Op.STOP, "grace_period_seconds", "{\"task_id\":\"{task}\",\"grace_period_seconds\":99999999999}"));
        cases.add(json("stop: task_id as a number", Op.STOP, "task_id", "{\"task_id\":42}"));
        cases.add(json("stop: signal as a list", Op.STOP, "signal", "{\"task_id\":\"{task}\",\"signal\":[\"KILL\"]}"));

        // ---- ResetSSH
        cases.add(both("ssh: user missing", Op.SSH, 400, "user", "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: user upper case", Op.SSH, 400, "user", "user", "Root", "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: user path traversal", Op.SSH, 400, "user", "user", "../root", "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: user with a newline", Op.SSH, 400, "user", "user", "{user}\nroot", "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: user too long", Op.SSH, 400, "user", "user", "u".repeat(33), "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: unknown user", Op.SSH, 404, "user", "user", "{unknown}", "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: root", Op.SSH, 403, "user", "user", "root", "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: system user", Op.SSH, 403, "user", "user", "{system}", "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: nobody", Op.SSH, 403, "user", "user", "nobody", "authorized_keys", List.of("{key}")));
        cases.add(both("ssh: key with injected options", Op.SSH, 400, "authorized_keys[0]", "user", "{user}",
                "authorized_keys", List.of("command=\"/bin/sh\" {key}")));
        cases.add(both("ssh: key with a newline", Op.SSH, 400, "authorized_keys[0]", "user", "{user}",
                "authorized_keys", List.of("{key}\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEvil")));
        cases.add(both("ssh: key body not base64", Op.SSH, 400, "authorized_keys[0]", "user", "{user}",
                "authorized_keys", List.of("ssh-ed25519 not*base64! x")));
        cases.add(both("ssh: unknown key type", Op.SSH, 400, "authorized_keys[0]", "user", "{user}",
                "authorized_keys", List.of("ssh-foo AAAAB3NzaC1yc2EAAAADAQABAAABAQ x")));
        cases.add(both("ssh: empty key", Op.SSH, 400, "authorized_keys[0]", "user", "{user}", "authorized_keys", List.of("")));
        cases.add(both("ssh: second key bad, first good", Op.SSH, 400, "authorized_keys[1]", "user", "{user}",
                "authorized_keys", List.of("{key}", "ssh-ed25519")));
        cases.add(both("ssh: too many keys", Op.SSH, 400, "authorized_keys", "user", "{user}",
                "authorized_keys", Collections.nCopies(101, "{key}")));
        cases.add(json("ssh: null in the key list", Op.SSH, "authorized_keys[1]",
                "{\"user\":\"{user}\",\"authorized_keys\":[\"{key}\",null]}"));
        cases.add(json("ssh: keys as a string", Op.SSH, "authorized_keys", "{\"user\":\"{user}\",\"authorized_keys\":\"{key}\"}"));
        cases.add(json("ssh: terminate_sessions as a string", Op.SSH, "terminate_sessions",
                "{\"user\":\"{user}\",\"authorized_keys\":[],\"terminate_sessions\":\"false\"}"));
        cases.add(json("ssh: user as a number", Op.SSH, "user", "{\"user\":1000,\"authorized_keys\":[]}"));

        // ---- CleanupMachine (dry_run is only meant to be true where a mistake would hurt most)
        cases.add(both("cleanup: unknown type", Op.CLEANUP, 400, "types[0]", "user", "{user}", "types", List.of("everything")));
        cases.add(both("cleanup: second type unknown", Op.CLEANUP, 400, "types[1]", "user", "{user}", "types", List.of("data", "Data")));
        cases.add(both("cleanup: user missing", Op.CLEANUP, 400, "user", "types", List.of("data")));
        cases.add(both("cleanup: bad user name", Op.CLEANUP, 400, "user", "user", "../{user}", "types", List.of("data")));
        cases.add(both("cleanup: unknown user", Op.CLEANUP, 404, "user", "user", "{unknown}", "types", List.of("data")));
        cases.add(both("cleanup: root", Op.CLEANUP, 403, "user", "user", "root", "dry_run", true));
        cases.add(both("cleanup: nobody", Op.CLEANUP, 403, "user", "user", "nobody", "dry_run", true));
        cases.add(both("cleanup: system user", Op.CLEANUP, 403, "user", "user", "{system}", "dry_run", true));
        cases.add(json("cleanup: dry_run empty string", Op.CLEANUP, "dry_run", cleanupUser + ",\"dry_run\":\"\"}"));
        cases.add(json("cleanup: dry_run \"true\"", Op.CLEANUP, "dry_run", cleanupUser + ",\"dry_run\":\"true\"}"));
        cases.add(json("cleanup: dry_run \"false\"", Op.CLEANUP, "dry_run", cleanupUser + ",\"dry_run\":\"false\"}"));
        cases.add(json("cleanup: dry_run 1", Op.CLEANUP, "dry_run", cleanupUser + ",\"dry_run\":1}"));
        cases.add(json("cleanup: dry_run 0", Op.CLEANUP, "dry_run", cleanupUser + ",\"dry_run\":0}"));
        cases.add(json("cleanup: dry_run as a list", Op.CLEANUP, "dry_run", cleanupUser + ",\"dry_run\":[true]}"));
        cases.add(json("cleanup: user null", Op.CLEANUP, "user", "{\"user\":null,\"types\":[\"data\"]}"));
        cases.add(json("cleanup: null type", Op.CLEANUP, "types[0]", "{\"user\":\"{user}\",\"types\":[null]}"));
        cases.add(json("cleanup: types as a string", Op.CLEANUP, "types", "{\"user\":\"{user}\",\"types\":\"data\"}"));
        cases.add(json("cleanup: duplicate dry_run", Op.CLEANUP, "dry_run", cleanupUser + ",\"dry_run\":true,\"dry_run\":false}"));
        cases.add(json("cleanup: duplicate user", Op.CLEANUP, "user", "{\"user\":\"nobody\",\"user\":\"{user}\",\"types\":[\"data\"]}"));
        cases.add(json("cleanup: misspelt field", Op.CLEANUP, "dry_runn", cleanupUser + ",\"dry_runn\":true}"));
        cases.add(json("cleanup: a second JSON value", Op.CLEANUP, "body", cleanupUser + ",\"dry_run\":true} {\"user\":\"{user}\"}"));
        cases.add(json("cleanup: trailing garbage", Op.CLEANUP, "not valid JSON", cleanupUser + ",\"dry_run\":true} x"));
        cases.add(json("cleanup: body is a list", Op.CLEANUP, "body", "[" + cleanupUser + "}]"));
        cases.add(json("cleanup: JSON cut off inside a list", Op.CLEANUP, "not valid JSON", "{\"user\":\"{user}\",\"types\":[\"data\""));
        cases.add(json("cleanup: body is not JSON", Op.CLEANUP, "not valid JSON", "user={user}&types=data"));
        cases.add(json("cleanup: empty body", Op.CLEANUP, "body", ""));
        cases.add(json("cleanup: body null", Op.CLEANUP, "body", "null"));

        // ---- MountDataset
        cases.add(both("mount: dataset_id ..", Op.MOUNT, 400, "dataset_id", "dataset_id", "..", "source", "{source}"));
        cases.add(both("mount: dataset_id .", Op.MOUNT, 400, "dataset_id", "dataset_id", ".", "source", "{source}"));
        cases.add(both("mount: dataset_id with a slash", Op.MOUNT, 400, "dataset_id", "dataset_id", "a/b", "source", "{source}"));
        cases.add(both("mount: dataset_id escaping the root", Op.MOUNT, 400, "dataset_id", "dataset_id", "../../etc", "source", "{source}"));
        cases.add(both("mount: dataset_id too long", Op.MOUNT, 400, "dataset_id", "dataset_id", "d".repeat(129), "source", "{source}"));
        cases.add(both("mount: dataset_id missing", Op.MOUNT, 400, "dataset_id", "source", "{source}"));
        cases.add(both("mount: source outside the allowed prefixes", Op.MOUNT, 403, "source", "dataset_id", "c1", "source", "{outside}"));
        cases.add(both("mount: source /etc", Op.MOUNT, 403, "source", "dataset_id", "c2", "source", "/etc"));
        cases.add(both("mount: source leaving its prefix by ..", Op.MOUNT, 400, "source", "dataset_id", "c3", "source", "{sources}/../.."));
        cases.add(both("mount: relative source", Op.MOUNT, 400, "source", "dataset_id", "c4", "source", "datasets/x"));
        cases.add(both("mount: option suid", Op.MOUNT, 400, "options", "dataset_id", "c5", "source", "{source}", "options", "suid"));
        for (String propagation : List.of("shared", "rshared", "private", "rprivate", "slave", "rslave", "unbindable",
                "runbindable")) {
            cases.add(both("mount: option " + propagation, Op.MOUNT, 400, "options", "dataset_id", "p-" + propagation,
                    "source", "{source}", "options", propagation));
        }
        cases.add(both("mount: option bind", Op.MOUNT, 400, "options", "dataset_id", "c6", "source", "{source}", "options", "noatime,bind"));
        cases.add(both("mount: option x-foo", Op.MOUNT, 400, "options", "dataset_id", "c7", "source", "{source}", "options", "x-foo"));
        cases.add(both("mount: option with a space", Op.MOUNT, 400, "options", "dataset_id", "c8", "source", "{source}", "options", "ro -o remount"));
        cases.add(both("mount: fs type not allowed", Op.MOUNT, 400, "fs_type", "dataset_id", "c9", "source", "{source}", "fs_type", "ext4"));
        cases.add(both("mount: fs type with odd characters", Op.MOUNT, 400, "fs_type", "dataset_id", "c10", "source", "{source}", "fs_type", "NFS;"));
        cases.add(json("mount: read_only \"false\"", Op.MOUNT, "read_only", "{\"dataset_id\":\"c11\",\"source\":\"{source}\",\"read_only\":\"false\"}"));
        cases.add(json("mount: read_only 0", Op.MOUNT, "read_only", "{\"dataset_id\":\"c12\",\"source\":\"{source}\",\"read_only\":0}"));
        cases.add(json("mount: source as a list", Op.MOUNT, "source", "{\"dataset_id\":\"c13\",\"source\":[\"{source}\"]}"));

        // ---- UnmountDataset (the fixture dataset stays mounted unless a bad id reaches it)
        cases.add(both("unmount: dataset_id ..", Op.UNMOUNT, 400, "dataset_id", "dataset_id", ".."));
        cases.add(both("unmount: dataset_id .", Op.UNMOUNT, 400, "dataset_id", "dataset_id", "."));
        cases.add(both("unmount: dataset_id with slashes", Op.UNMOUNT, 400, "dataset_id", "dataset_id", "x/../{dataset}"));
        cases.add(both("unmount: dataset_id too long", Op.UNMOUNT, 400, "dataset_id", "dataset_id", "d".repeat(129)));
        cases.add(both("unmount: dataset_id missing", Op.UNMOUNT, 400, "dataset_id"));
        cases.add(json("unmount: dataset_id as a number", Op.UNMOUNT, "dataset_id", "{\"dataset_id\":5}"));
        cases.add(json("unmount: dataset_id as a list", Op.UNMOUNT, "dataset_id", "{\"dataset_id\":[\"{dataset}\"]}"));

        // ---- ExecuteCommand: every case would leave {scratch}/exec-ran if it ran
        cases.add(both("exec: command missing", Op.EXEC, 400, "command", "timeout_seconds", 5));
        cases.add(both("exec: command empty", Op.EXEC, 400, "command", "command", List.of()));
        cases.add(both("exec: command not allowed", Op.EXEC, 403, "command[0]", "command", List.of("/usr/bin/touch", "{scratch}/exec-ran")));
        cases.add(both("exec: relative path", Op.EXEC, 400, "command[0]", "command", List.of("bin/sh", "-c", "touch {scratch}/exec-ran")));
        cases.add(both("exec: .. in the path", Op.EXEC, 400, "command[0]", "command", List.of("/bin/../bin/sh", "-c", "touch {scratch}/exec-ran")));
        cases.add(both("exec: NUL in an argument", Op.EXEC, 400, "command[2]", "command", List.of("/bin/sh", "-c", "touch {scratch}/exec-ran\0")));
        cases.add(both("exec: env not allowed", Op.EXEC, 400, "env[LD_PRELOAD]", "command", LEAVE_A_MARK, "env", Map.of("LD_PRELOAD", "/tmp/x.so")));
        cases.add(both("exec: env PATH", Op.EXEC, 400, "env[PATH]", "command", LEAVE_A_MARK, "env", Map.of("PATH", "/tmp")));
        cases.add(both("exec: env not on the allowlist", Op.EXEC, 400, "env[HTTP_PROXY]", "command", LEAVE_A_MARK, "env",
                Map.of("HTTP_PROXY", "http://127.0.0.1:1")));
        cases.add(both("exec: env TZ naming a file", Op.EXEC, 400, "env[TZ]", "command", LEAVE_A_MARK, "env",
                Map.of("TZ", "/home/tenant/zoneinfo")));
        cases.add(both("exec: env name with a dash", Op.EXEC, 400, "env[A?B]", "command", LEAVE_A_MARK, "env", Map.of("A-B", "x")));
        cases.add(both("exec: timeout over the cap", Op.EXEC, 400, "timeout_seconds", "command", LEAVE_A_MARK, "timeout_seconds", 100_000));
        cases.add(both("exec: negative timeout", Op.EXEC, 400, "timeout_seconds", "command", LEAVE_A_MARK, "timeout_seconds", -1));
        cases.add(both("exec: zero timeout", Op.EXEC, 400, "timeout_seconds", "command", LEAVE_A_MARK, "timeout_seconds", 0));
        cases.add(both("exec: as root", Op.EXEC, 403, "user", "command", LEAVE_A_MARK, "user", "root"));
        cases.add(both("exec: as a system user", Op.EXEC, 403, "user", "command", LEAVE_A_MARK, "user", "{system}"));
        cases.add(both("exec: as nobody", Op.EXEC, 403, "user", "command", LEAVE_A_MARK, "user", "nobody"));
        cases.add(both("exec: as an unknown user", Op.EXEC, 404, "user", "command", LEAVE_A_MARK, "user", "{unknown}"));
        cases.add(both("exec: bad user name", Op.EXEC, 400, "user", "command", LEAVE_A_MARK, "user", "Root"));
        cases.add(both("exec: relative working_dir", Op.EXEC, 400, "working_dir", "command", LEAVE_A_MARK, "working_dir", "tmp"));
        cases.add(json("exec: timeout as a string", Op.EXEC, "timeout_seconds",
                "{\"command\":[\"/bin/sh\",\"-c\",\"touch {scratch}/exec-ran\"],\"timeout_seconds\":\"5\"}"));
        cases.add(json("exec: null in the command", Op.EXEC, "command[1]", "{\"command\":[\"/bin/true\",null]}"));
        cases.add(json("exec: command as a string", Op.EXEC, "command", "{\"command\":\"/bin/sh -c 'touch {scratch}/exec-ran'\"}"));
        cases.add(json("exec: env value null", Op.EXEC, "env[LANG]",
                "{\"command\":[\"/bin/sh\",\"-c\",\"touch {scratch}/exec-ran\"],\"env\":{\"LANG\":null}}"));
        cases.add(json("exec: env value a number", Op.EXEC, "env[LANG]",
                "{\"command\":[\"/bin/sh\",\"-c\",\"touch {scratch}/exec-ran\"],\"env\":{\"LANG\":5}}"));
        cases.add(json("exec: duplicate env key", Op.EXEC, "env[LANG]",
                "{\"command\":[\"/bin/sh\",\"-c\",\"touch {scratch}/exec-ran\"],\"env\":{\"LANG\":\"C\",\"LANG\":\"C.UTF-8\"}}"));
        cases.add(json("exec: duplicate command", Op.EXEC, "command",
                "{\"command\":[\"/bin/true\"],\"command\":[\"/bin/sh\",\"-c\",\"touch {scratch}/exec-ran\"]}"));

        // ---- protobuf that does not parse (gRPC only)
        cases.add(proto("grpc: stop, task_id not UTF-8", Op.STOP, "task_id", lengthDelimited(1, NOT_UTF8)));
        cases.add(proto("grpc: ssh, user not UTF-8", Op.SSH, "user", lengthDelimited(1, NOT_UTF8)));
        cases.add(proto("grpc: ssh, second key not UTF-8", Op.SSH, "authorized_keys[1]",
                concat(lengthDelimited(1, "a".getBytes(StandardCharsets.UTF_8)), lengthDelimited(2, (byte) 'k'), lengthDelimited(2, NOT_UTF8))));
        cases.add(proto("grpc: cleanup, type not UTF-8", Op.CLEANUP, "types[0]", lengthDelimited(2, NOT_UTF8)));
        cases.add(proto("grpc: mount, source not UTF-8", Op.MOUNT, "source", lengthDelimited(2, NOT_UTF8)));
        cases.add(proto("grpc: unmount, dataset_id not UTF-8", Op.UNMOUNT, "dataset_id", lengthDelimited(1, NOT_UTF8)));
        cases.add(proto("grpc: exec, argument not UTF-8", Op.EXEC, "command[0]", lengthDelimited(1, NOT_UTF8)));
        cases.add(proto("grpc: stop, truncated message", Op.STOP, "request", TRUNCATED));
        cases.add(proto("grpc: cleanup, truncated message", Op.CLEANUP, "request", TRUNCATED));
        cases.add(proto("grpc: exec, truncated message", Op.EXEC, "request", TRUNCATED));
        // ---- a malformed fencing epoch, on otherwise valid requests: refused before anything is done
        for (String epoch : List.of("-1", "1.5", "0x10", "seven", "+3", "9223372036854775808", "1e3")) {
            cases.add(both("epoch " + epoch + ": cleanup", Op.CLEANUP, 400, "X-Fleetlink-Epoch",
                    "user", "{user}", "types", List.of("data", "ssh")).withEpoch(epoch));
        }
        cases.add(both("epoch -1: ssh reset", Op.SSH, 400, "X-Fleetlink-Epoch", "user", "{user}", "authorized_keys", List.of())
                .withEpoch("-1"));
        cases.add(both("epoch -1: stop", Op.STOP, 400, "X-Fleetlink-Epoch", "task_id", "{task}").withEpoch("-1"));
        cases.add(both("epoch x: exec", Op.EXEC, 400, "X-Fleetlink-Epoch", "command", LEAVE_A_MARK).withEpoch("x"));
        cases.add(both("epoch x: mount", Op.MOUNT, 400, "X-Fleetlink-Epoch",
                "dataset_id", "{dataset}-epoch", "source", "{source}").withEpoch("x"));
        cases.add(both("epoch x: unmount", Op.UNMOUNT, 400, "X-Fleetlink-Epoch", "dataset_id", "{dataset}").withEpoch("x"));
        return cases;
    }

    Stream<Arguments> corpus() {
        return cases().stream()
                .flatMap(c -> c.transports().stream()
                        .map(transport -> Arguments.of(c.name() + " [" + transport.name().toLowerCase() + "]", c, transport)));
    }

    /** A pass-through marshaller, so the test can send bytes no generated stub would. */
    private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
