package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fleetlink.agent.os.ExecCgroups;
import io.fleetlink.agent.os.ExecLaunchers;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

@QuarkusTest
@TestProfile(ExecEnabledProfile.class)
class CommandExecTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;
    private static final String MARK = "FL_TEST_MARK";

    private static Path scratch;

    @Inject
    ExecCgroups cgroups;
    private static TestUser tenant;

    private final List<String> marks = new ArrayList<>();

    @BeforeAll
    static void createScratch() throws Exception {
        scratch = Files.createTempDirectory("fl-exec");
    }

    @AfterAll
    static void removeScratchAndTenant() throws Exception {
        FakeNvidiaSmi.deleteTree(scratch);
        if (tenant != null) {
            TestUsers.delete(tenant);
        }
    }

    @AfterEach
    void killMarkedProcesses() throws Exception {
        for (String mark : marks) {
            Processes.killAll(MARK, mark);
        }
    }

    private String newMark() {
        String mark = UUID.randomUUID().toString();
        marks.add(mark);
        return mark;
    }

    private static ValidatableResponse exec(String body) {
        return exec(body, null);
    }

    private static ValidatableResponse exec(String body, String requestId) {
        var request = given().header("Authorization", BEARER).contentType("application/json").body(body);
        if (requestId != null) {
            request = request.header("X-Request-Id", requestId);
        }
        return request.when().post("/api/v1/command/exec").then();
    }

    private static AgentProto.ExecuteCommandResponse grpcExec(AgentProto.ExecuteCommandRequest request, String requestId) throws Exception {
        try (AgentGrpc grpc = AgentGrpc.local()) {
            var stub = grpc.authorized();
            if (requestId != null) {
                Metadata headers = new Metadata();
                headers.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), requestId);
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            return stub.executeCommand(request);
        }
    }

    private static AgentProto.ExecuteCommandRequest.Builder shell(String script) {
        return AgentProto.ExecuteCommandRequest.newBuilder().addAllCommand(List.of("/bin/sh", "-c", script));
    }

    @Test
    void capturesOutputAndReportsNonZeroExitAsSuccess() {
        exec("""
                {"command": ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]}""")
                .statusCode(200)
                .body("success", equalTo(true))
                .body("data.exit_code", equalTo(3))
                .body("data.stdout", equalTo("out\n"))
                .body("data.stderr", equalTo("err\n"))
                .body("data.stdout_truncated", equalTo(false))
                .body("data.stderr_truncated", equalTo(false))
                .body("data.timed_out", equalTo(false));
    }

    @Test
    void grpcRunsTheSameWay() throws Exception {
        AgentProto.ExecuteCommandResponse response = grpcExec(shell("echo out; echo err >&2; exit 3").build(), null);
        assertThat(response.getExitCode()).isEqualTo(3);
        assertThat(response.getStdout()).isEqualTo("out\n");
        assertThat(response.getStderr()).isEqualTo("err\n");
        assertThat(response.getTimedOut()).isFalse();
        assertThat(response.getDurationMs()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void keepsOutputUpToTheCapAndDrainsTheRest() {
        // A megabyte through a 4 KiB cap: the child must never block on a full pipe.
        JsonPath result = exec("""
                {"command": ["/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\\\0' x; echo done >&2"], "timeout_seconds": 10}""")
                .statusCode(200)
                .body("data.exit_code", equalTo(0))
                .body("data.timed_out", equalTo(false))
                .body("data.stdout_truncated", equalTo(true))
                .body("data.stderr_truncated", equalTo(false))
                .body("data.stderr", equalTo("done\n"))
                .extract().jsonPath();
        assertThat(result.getString("data.stdout")).hasSize(ExecEnabledProfile.OUTPUT_CAP).matches("x+");
    }

    @Test
    void timeoutKillsTheWholeProcessGroup() throws Exception {
        String mark = newMark();
        JsonPath result = exec("""
                {"command": ["/bin/sh", "-c", "sleep 1000 & sleep 1000"], "env": {"%s": "%s"}, "timeout_seconds": 1}"""
                .formatted(MARK, mark))
                .statusCode(200)
                .body("data.timed_out", equalTo(true))
                .body("data.exit_code", equalTo(-1))
                .extract().jsonPath();
        assertThat(result.getLong("data.duration_ms")).isBetween(1000L, 10_000L);
        assertThat(Processes.withEnv(MARK, mark)).as("the shell and both sleeps").isEmpty();
    }

    @Test
    void grpcTimeoutKillsTheGroupToo() throws Exception {
        String mark = newMark();
        AgentProto.ExecuteCommandResponse response = grpcExec(shell("sleep 1000 & sleep 1000").putEnv(MARK, mark).setTimeoutSeconds(1).build(), null);
        assertThat(response.getTimedOut()).isTrue();
        assertThat(response.getExitCode()).isEqualTo(-1);
        assertThat(Processes.withEnv(MARK, mark)).isEmpty();
    }

    @Test
    void backgroundChildDoesNotOutliveTheCall() throws Exception {
        String mark = newMark();
        exec("""
                {"command": ["/bin/sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo started"], "env": {"%s": "%s"}}"""
                .formatted(MARK, mark))
                .statusCode(200)
                .body("data.exit_code", equalTo(0))
                .body("data.stdout", equalTo("started\n"))
                .body("data.timed_out", equalTo(false));
        assertThat(Processes.withEnv(MARK, mark)).isEmpty();
    }

    @Test
    void commandGetsACleanEnvironment() {
        String env = exec("""
                {"command": ["/bin/sh", "-c", "env"], "env": {"GREETING": "hello world"}}""")
                .statusCode(200)
                .extract().jsonPath().getString("data.stdout");
        Map<String, String> vars = Arrays.stream(env.split("\n"))
                .filter(line -> line.contains("="))
                .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')), line -> line.substring(line.indexOf('=') + 1)));
        assertThat(vars).containsEntry("GREETING", "hello world").containsEntry("PWD", "/");
        // Nothing of the agent's own environment (which may hold its token) reaches the command.
        assertThat(vars.keySet()).isSubsetOf(Set.of("GREETING", "PATH", "HOME", "USER", "LOGNAME", "LANG", "PWD", "SHLVL", "_", "OLDPWD"));
    }

    @Test
    void refusesProgramsNotOnTheAllowlist() throws Exception {
        exec("""
                {"command": ["/usr/bin/rm", "-rf", "/nonexistent-fl"]}""")
                .statusCode(403)
                .body("success", equalTo(false))
                .body("message", containsString("command[0]"))
                .body("message", containsString("fleetlink.agent.exec.allowed-commands"));
        exec("""
                {"command": ["rm", "-rf", "/nonexistent-fl"]}""")
                .statusCode(403)
                .body("message", containsString("/usr/bin/rm"));
        assertThatThrownBy(() -> grpcExec(AgentProto.ExecuteCommandRequest.newBuilder().addCommand("/usr/bin/rm").build(), null))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void resolvesNamesAndAliasesOfAllowedPrograms() {
        // "sh" is found on the PATH and is /bin/sh's file under the same name; "echo" is allowed by name.
        exec("""
                {"command": ["sh", "-c", "echo via-path"]}""")
                .statusCode(200)
                .body("data.stdout", equalTo("via-path\n"));
        exec("""
                {"command": ["echo", "by", "name"]}""")
                .statusCode(200)
                .body("data.stdout", equalTo("by name\n"));
    }

    @Test
    void refusesRelativeAndDotDotPaths() {
        exec("""
                {"command": ["./sh", "-c", "true"]}""")
                .statusCode(400)
                .body("message", containsString("command[0]: must be an absolute path"));
        exec("""
                {"command": ["bin/sh"]}""")
                .statusCode(400)
                .body("message", containsString("command[0]"));
        exec("""
                {"command": ["/usr/bin/../bin/sh"]}""")
                .statusCode(400)
                .body("message", containsString("command[0]: must not contain '..'"));
        exec("""
                {"command": []}""")
                .statusCode(400)
                .body("message", containsString("command"));
    }

    @Test
    void refusesBadEnvironment() throws Exception {
        String mark = newMark();
        Path witness = scratch.resolve("env-" + mark);
        String touch = "touch " + witness;
        exec("""
                {"command": ["/bin/sh", "-c", "%s"], "env": {"1BAD": "x"}}""".formatted(touch))
                .statusCode(400)
                .body("message", containsString("env[1BAD]: variable names must match [A-Za-z_][A-Za-z0-9_]*"));
        exec("""
                {"command": ["/bin/sh", "-c", "%s"], "env": {"LD_PRELOAD": "/tmp/evil.so"}}""".formatted(touch))
                .statusCode(400)
                .body("message", containsString("env[LD_PRELOAD]: may not be set: it is not in fleetlink.agent.exec.allowed-env"));
        exec("""
                {"command": ["/bin/sh", "-c", "%s"], "env": {"GREETING": "a\\u0000b"}}""".formatted(touch))
                .statusCode(400)
                .body("message", containsString("env[GREETING]: must not contain a NUL character"));
        assertThatThrownBy(() -> grpcExec(shell(touch).putEnv("PATH", "/tmp").build(), null))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("env[PATH]");
                });
        assertThat(witness).doesNotExist();
    }

    @Test
    void checksWorkingDirectoryAndTimeout() throws Exception {
        Path file = Files.writeString(scratch.resolve("a-file"), "x");
        exec("""
                {"command": ["/bin/sh", "-c", "pwd"], "working_dir": "relative/dir"}""")
                .statusCode(400)
                .body("message", containsString("working_dir: must be an absolute path"));
        exec("""
                {"command": ["/bin/sh", "-c", "pwd"], "working_dir": "%s"}""".formatted(scratch.resolve("missing")))
                .statusCode(400)
                .body("message", containsString("working_dir: "))
                .body("message", containsString("is not an existing directory"));
        exec("""
                {"command": ["/bin/sh", "-c", "pwd"], "working_dir": "%s"}""".formatted(file))
                .statusCode(400)
                .body("message", containsString("is not an existing directory"));
        exec("""
                {"command": ["/bin/sh", "-c", "pwd"], "working_dir": "%s"}""".formatted(scratch))
                .statusCode(200)
                .body("data.stdout", equalTo(scratch + "\n"));
        exec("""
                {"command": ["/bin/sh", "-c", "pwd"], "timeout_seconds": 21}""")
                .statusCode(400)
                .body("message", containsString("timeout_seconds: must be at most 20 (fleetlink.agent.exec.max-timeout)"));
        exec("""
                {"command": ["/bin/sh", "-c", "pwd"], "timeout_seconds": 0}""")
                .statusCode(400)
                .body("message", containsString("timeout_seconds"));
    }

    @Test
    void runsAsTenantWithoutAShell() throws Exception {
        RealParts.requireRoot();
        String name = tenant().name();
        String uid = Integer.toString(tenant().uid());

        exec("""
                {"command": ["/usr/bin/id", "-u"], "user": "%s"}""".formatted(name))
                .statusCode(200)
                .body("data.exit_code", equalTo(0))
                .body("data.stdout", equalTo(uid + "\n"));
        AgentProto.ExecuteCommandResponse viaGrpc = grpcExec(shell("id -un; id -G; echo $HOME; pwd").setUser(name).build(), null);
        assertThat(viaGrpc.getExitCode()).isEqualTo(0);
        List<String> lines = viaGrpc.getStdout().lines().toList();
        assertThat(lines.get(0)).isEqualTo(name);
        assertThat(lines.get(1)).doesNotContain(" 0").isNotEqualTo("0");
        assertThat(lines.get(2)).isEqualTo("/home/" + name);
        assertThat(lines.get(3)).isEqualTo("/home/" + name); // without working_dir a command starts in the user's home
    }

    @Test
    void refusesUnknownAndSystemUsers() {
        exec("""
                {"command": ["/usr/bin/id"], "user": "flnouser%d"}""".formatted(ThreadLocalRandom.current().nextInt(100000)))
                .statusCode(404)
                .body("message", containsString("no such user"));
        exec("""
                {"command": ["/usr/bin/id"], "user": "root"}""")
                .statusCode(403)
                .body("message", containsString("outside fleetlink.agent.tenant-uid-min=1000"));
        // nobody (65534) is above the tenant range: not a tenant although its uid is not a system one.
        exec("""
                {"command": ["/usr/bin/id"], "user": "nobody"}""")
                .statusCode(403)
                .body("message", containsString("user: 'nobody' has uid 65534"))
                .body("message", containsString("fleetlink.agent.tenant-uid-max=60000"));
        exec("""
                {"command": ["/usr/bin/id"], "user": "Not A User"}""")
                .statusCode(400)
                .body("message", containsString("user: must be a user name"));
    }

    @Test
    void replaysARequestIdInsteadOfRunningAgain() throws Exception {
        Path counter = scratch.resolve("counter-" + UUID.randomUUID());
        String body = """
                {"command": ["/bin/sh", "-c", "echo run >> \\"$OUT\\"; wc -l < \\"$OUT\\""], "env": {"OUT": "%s"}}"""
                .formatted(counter);
        String requestId = "fl-test-" + UUID.randomUUID();

        exec(body, requestId).statusCode(200).body("data.stdout", equalTo("1\n"));
        exec(body, requestId).statusCode(200).body("data.stdout", equalTo("1\n"));
        assertThat(Files.readAllLines(counter)).hasSize(1);
        exec(body.replace("wc -l", "wc  -l"), requestId)
                .statusCode(409)
                .body("message", containsString("X-Request-Id"));

        String grpcId = "fl-test-" + UUID.randomUUID();
        AgentProto.ExecuteCommandRequest request = shell("echo run >> \"$OUT\"; wc -l < \"$OUT\"").putEnv("OUT", counter.toString()).build();
        assertThat(grpcExec(request, grpcId).getStdout()).isEqualTo("2\n");
        assertThat(grpcExec(request, grpcId).getStdout()).isEqualTo("2\n");
        assertThat(Files.readAllLines(counter)).hasSize(2);
    }

    @Test
    void refusesVariablesOutsideTheEnvAllowlist() throws Exception {
        Path witness = scratch.resolve("allow-env-" + UUID.randomUUID());
        String touch = "touch " + witness;
        exec("""
                {"command": ["/bin/sh", "-c", "%s"], "env": {"HTTP_PROXY": "http://x"}}""".formatted(touch))
                .statusCode(400)
                .body("message", containsString("env[HTTP_PROXY]: may not be set: it is not in fleetlink.agent.exec.allowed-env"));
        exec("""
                {"command": ["/bin/sh", "-c", "%s"], "env": {"HOME": "/tmp"}}""".formatted(touch))
                .statusCode(400)
                .body("message", containsString("env[HOME]: may not be set: the agent sets it"));
        exec("""
                {"command": ["/bin/sh", "-c", "%s"], "env": {"TZ": "/home/someone/evil-zone"}}""".formatted(touch))
                .statusCode(400)
                .body("message", containsString("env[TZ]: must be a name inside the system's own"));
        exec("""
                {"command": ["/bin/sh", "-c", "%s"], "env": {"LANG": "../../../home/x"}}""".formatted(touch))
                .statusCode(400)
                .body("message", containsString("env[LANG]"));
        assertThatThrownBy(() -> grpcExec(shell(touch).putEnv("PYTHONPATH", "/tmp").build(), null))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("env[PYTHONPATH]").contains("fleetlink.agent.exec.allowed-env");
                });
        assertThat(witness).doesNotExist();
        exec("""
                {"command": ["/bin/sh", "-c", "echo $TZ $CUDA_VISIBLE_DEVICES"], "env": {"TZ": "Europe/Berlin", "CUDA_VISIBLE_DEVICES": "0,1"}}""")
                .statusCode(200)
                .body("data.stdout", equalTo("Europe/Berlin 0,1\n"));
    }

    @Test
    void refusesProgramsATenantCouldSwap() throws Exception {
        RealParts.requireRoot();
        TestUser user = tenant();
        Path witness = scratch.resolve("swap-" + UUID.randomUUID());
        // A tenant-owned directory holding a link to an allowed program.
        Path tenantBin = Files.createDirectories(user.home().resolve("bin-" + UUID.randomUUID()));
        Path root = Files.createDirectory(Path.of("/opt", "fl-exec-" + UUID.randomUUID()));
        try {
            Files.createSymbolicLink(tenantBin.resolve("id"), Path.of("/usr/bin/id"));
            TestCommands.ok("chown", "-hR", user.uid() + ":" + user.gid(), tenantBin.toString());
            exec("""
                    {"command": ["%s"]}""".formatted(tenantBin.resolve("id")))
                    .statusCode(403)
                    .body("message", containsString("command[0]: '" + tenantBin.resolve("id") + "' is refused: "))
                    .body("message", containsString("is owned by uid " + user.uid()));
            // A root-owned directory that its group may write to.
            Path groupWritable = Files.createDirectory(root.resolve("g"));
            Files.setPosixFilePermissions(groupWritable, PosixFilePermissions.fromString("rwxrwxr-x"));
            Files.createSymbolicLink(groupWritable.resolve("sh"), Path.of("/bin/sh"));
            exec("""
                    {"command": ["%s", "-c", "touch %s"]}""".formatted(groupWritable.resolve("sh"), witness))
                    .statusCode(403)
                    .body("message", containsString("writable by its group"));
            // A tenant-owned program in a root-owned directory.
            Path script = Files.writeString(root.resolve("sh"), "#!/bin/sh\ntouch " + witness + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            TestCommands.ok("chown", user.uid() + ":" + user.gid(), script.toString());
            exec("""
                    {"command": ["%s"]}""".formatted(script))
                    .statusCode(403)
                    .body("message", containsString(script + " is owned by uid " + user.uid()));
            assertThat(witness).doesNotExist();
        } finally {
            TestFiles.deleteTree(root);
            TestFiles.deleteTree(tenantBin);
        }
    }

    @Test
    void refusesArgumentsOverTheKernelLimit() throws Exception {
        Path witness = scratch.resolve("argmax-" + UUID.randomUUID());
        // Each argument under the 128 KiB per-string limit, together over 2 MiB.
        String chunk = "x".repeat(120 * 1024);
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "touch " + witness));
        for (int i = 0; i < 20; i++) {
            command.add(chunk);
        }
        String body = "{\"command\": [" + command.stream().map(arg -> "\"" + arg + "\"").collect(Collectors.joining(",")) + "]}";
        exec(body)
                .statusCode(400)
                .body("message", containsString("command: arguments and environment together"))
                .body("message", containsString("ARG_MAX"));
        assertThatThrownBy(() -> grpcExec(AgentProto.ExecuteCommandRequest.newBuilder().addAllCommand(command).build(), null))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThat(witness).doesNotExist();
    }

    @Test
    void daemonThatLeavesTheSessionDoesNotOutliveTheCall() throws Exception {
        String mark = newMark();
        // setsid puts the sleep in a session of its own, out of reach of a process-group kill.
        exec("""
                {"command": ["/bin/sh", "-c", "setsid sleep 300 >/dev/null 2>&1 & sleep 0.5; echo started"], "env": {"%s": "%s"}}"""
                .formatted(MARK, mark))
                .statusCode(200)
                .body("data.stdout", equalTo("started\n"))
                .body("data.timed_out", equalTo(false));
        if (cgroups.usable()) {
            // Zombies are not counted: PID 1 here may not reap the killed orphan.
            assertThat(Processes.withEnv(MARK, mark)).as("the daemon was killed with its cgroup").isEmpty();
        } else {
            // Honest about the fallback: without cgroup v2 the daemon escapes the process-group kill.
            assertThat(Processes.withEnv(MARK, mark)).as("without cgroup v2 the daemon survives").isNotEmpty();
        }
    }

    @Test
    void timeoutKillsADaemonThatLeftTheSession() throws Exception {
        String mark = newMark();
        exec("""
                {"command": ["/bin/sh", "-c", "setsid sleep 300 >/dev/null 2>&1 & sleep 1000"], "env": {"%s": "%s"}, "timeout_seconds": 1}"""
                .formatted(MARK, mark))
                .statusCode(200)
                .body("data.timed_out", equalTo(true));
        if (cgroups.usable()) {
            assertThat(Processes.withEnv(MARK, mark)).isEmpty();
        }
    }

    @Test
    void waitingLaunchersHoldNothingOfTheAgent() throws Exception {
        Set<Long> launchers = waitingLaunchers();
        assertThat(launchers).as("launchers kept waiting").hasSize(ExecLaunchers.KEPT);
        for (long launcher : launchers) {
            // Empty environment: the agent's (which may hold its token) never reaches a launcher.
            assertThat(Files.readAllBytes(Path.of("/proc/" + launcher + "/environ"))).isEmpty();
            // Already in a cgroup of its own under the agent's, and the leader of a session of its own.
            String cgroup = Files.readString(Path.of("/proc/" + launcher + "/cgroup"));
            assertThat(cgroup).containsPattern("(?m)^0::/.*fleetlink/exec-[0-9a-f-]+$");
            String stat = Files.readString(Path.of("/proc/" + launcher + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertThat(Long.parseLong(fields[3])).as("session id").isEqualTo(launcher);
        }
        Set<String> cgroups = new HashSet<>();
        for (long launcher : launchers) {
            cgroups.add(Files.readString(Path.of("/proc/" + launcher + "/cgroup")));
        }
        assertThat(cgroups).as("one cgroup each").hasSize(launchers.size());
    }

    @Test
    void launcherPassesEveryArgumentAsDataAndBecomesTheCommand() throws Exception {
        Set<Long> launchers = waitingLaunchers();
        Path witness = scratch.resolve("launcher-" + UUID.randomUUID());
        // Empty, multi-line, glob and substitution arguments reach the program as they are: nothing is evaluated.
        String body = new JsonObject()
                .put("command", List.of("/bin/sh", "-c", "printf '[%s]' \"$@\"; echo; echo $$; pwd; echo \"$GREETING\"",
                        "zero", "", "a\nb", "$(touch " + witness + ")", "*", "-n"))
                .put("working_dir", scratch.toString())
                .put("env", Map.of("GREETING", "$(id) x\ny"))
                .encode();
        String stdout = exec(body)
                .statusCode(200)
                .body("data.exit_code", equalTo(0))
                .extract().jsonPath().getString("data.stdout");
        String[] lines = stdout.split("\n", -1);
        assertThat(launchers).as("the command is a waiting launcher that became it").contains(Long.parseLong(lines[2]));
        assertThat(stdout).isEqualTo("[][a\nb][$(touch " + witness + ")][*][-n]\n" + lines[2] + "\n"
                + scratch.toRealPath() + "\n$(id) x\ny\n");
        assertThat(witness).doesNotExist();
    }

    @Test
    void longCommandStartsColdAndLeavesTheLaunchersWaiting() throws Exception {
        Set<Long> launchers = waitingLaunchers();
        // Over what a launcher is handed (bash reads a pipe a byte at a time): the command starts cold.
        String word = "x".repeat(ExecLaunchers.MAX_REQUEST_BYTES);
        String body = new JsonObject().put("command", List.of("/bin/sh", "-c", "echo ${#1} $$", "zero", word)).encode();
        String stdout = exec(body)
                .statusCode(200)
                .body("data.exit_code", equalTo(0))
                .extract().jsonPath().getString("data.stdout");
        assertThat(stdout).startsWith(word.length() + " ");
        assertThat(launchers).doesNotContain(Long.parseLong(stdout.strip().split(" ")[1]));
        assertThat(awaitLaunchers()).as("the waiting launchers were not used").isEqualTo(launchers);
    }

    @Test
    void commandsStillRunWhenTheLaunchersWereKilled() throws Exception {
        Set<Long> launchers = waitingLaunchers();
        launchers.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        for (int i = 0; i < 3; i++) {
            exec("""
                    {"command": ["/bin/sh", "-c", "echo ran"]}""")
                    .statusCode(200)
                    .body("data.exit_code", equalTo(0))
                    .body("data.stdout", equalTo("ran\n"));
        }
        assertThat(awaitLaunchers()).as("new launchers replace the killed ones").doesNotContainAnyElementsOf(launchers);
    }

    /** After one command (launchers are made on first use), the pids of the launchers waiting for the next. */
    private Set<Long> waitingLaunchers() throws Exception {
        assumeTrue(cgroups.usable(), "launchers wait only where commands get their own cgroup");
        exec("""
                {"command": ["/bin/sh", "-c", "true"]}""").statusCode(200);
        return awaitLaunchers();
    }

    /**
     * The pids of the launchers this agent keeps waiting, once all of them have joined their cgroups (they
     * are made in the background after a call).
     */
    private static Set<Long> awaitLaunchers() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Set<Long> joined = new HashSet<>();
        while (System.nanoTime() < deadline) {
            joined.clear();
            List<ProcessHandle> launchers = ProcessHandle.current().children()
                    .filter(child -> child.info().arguments().map(args -> List.of(args).contains("fleetlink-launcher"))
                            .orElse(false))
                    .toList();
            for (ProcessHandle launcher : launchers) {
                try {
                    if (Files.readString(Path.of("/proc/" + launcher.pid() + "/cgroup")).contains("/exec-")) {
                        joined.add(launcher.pid());
                    }
                } catch (IOException e) {
                    // it ended meanwhile
                }
            }
            if (joined.size() == ExecLaunchers.KEPT && launchers.size() == ExecLaunchers.KEPT) {
                return new HashSet<>(joined);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not " + ExecLaunchers.KEPT + " launchers waiting within 10 s: " + joined);
    }

    /** A throw-away account with a uid above the floor, created once and deleted after the class. */
    private static synchronized TestUser tenant() {
        if (tenant == null) {
            tenant = TestUsers.create();
        }
        return tenant;
    }
}
