package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.agent.ops.ProcessStopper;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.agent.os.Users;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@TestProfile(ExecEnabledProfile.class)
class ProcessStopTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;
    private static final String TASK_ENV = "FLEETLINK_TASK_ID";
    private static final String TREE = "sleep 1000 & sleep 1000 & wait";
    private static final String DEAF_TO_TERM = "trap '' TERM; sleep 1000 & wait";

    @Inject
    ProcessStopper stopper;

    @Inject
    Users users;

    private final List<String> taskIds = new ArrayList<>();

    @AfterEach
    void killEverythingStarted() throws Exception {
        for (String taskId : taskIds) {
            Processes.killAll(TASK_ENV, taskId);
        }
    }

    private String newTaskId() {
        String taskId = "fl-test-" + UUID.randomUUID();
        taskIds.add(taskId);
        return taskId;
    }

    @Test
    void stopsWholeTreeAndKillsWhatIgnoresTermAfterGracePeriod() throws Exception {
        String task = newTaskId();
        String bystander = newTaskId();
        Processes.startShell(TASK_ENV, task, TREE);
        Processes.startShell(TASK_ENV, task, DEAF_TO_TERM);
        Processes.startShell(TASK_ENV, bystander, "sleep 1000");
        // Two shells, three sleeps; the bystander's one shell (or its exec'd sleep).
        List<Integer> tree = Processes.awaitCount(TASK_ENV, task, 5, Duration.ofSeconds(10));
        List<Integer> unrelated = Processes.awaitCount(TASK_ENV, bystander, 1, Duration.ofSeconds(10));

        long started = System.nanoTime();
        JsonPath reply = given().header("Authorization", BEARER).contentType("application/json")
                .body("{\"task_id\":\"" + task + "\",\"grace_period_seconds\":1}")
                .when().post("/api/v1/process/stop")
                .then().statusCode(200)
                .body("success", equalTo(true))
                .body("data.task_id", equalTo(task))
                .body("data.escalated_to_kill", equalTo(true))
                .body("data.already_stopped", equalTo(false))
                .extract().jsonPath();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(reply.getList("data.killed_pids", Integer.class)).containsAll(tree);
        // Both shells carry the variable; the sleeps are found as their children (they inherit it too,
        // but a child is attributed by the first way that reaches it).
        assertThat(reply.getList("data.found.via", String.class)).contains("environment").hasSameSizeAs(reply.getList("data.killed_pids"));
        assertThat(tree).allSatisfy(pid -> assertThat(Processes.alive(pid)).as("pid %d", pid).isFalse());
        assertThat(Processes.withEnv(TASK_ENV, task)).isEmpty();
        assertThat(unrelated).allSatisfy(pid -> assertThat(Processes.alive(pid)).as("bystander %d", pid).isTrue());
    }

    @Test
    void stoppingAgainReportsAlreadyStopped() throws Exception {
        String task = newTaskId();
        Processes.startShell(TASK_ENV, task, TREE);
        Processes.awaitCount(TASK_ENV, task, 3, Duration.ofSeconds(10));
        String body = "{\"task_id\":\"" + task + "\"}";

        given().header("Authorization", BEARER).contentType("application/json").body(body)
                .when().post("/api/v1/process/stop")
                .then().statusCode(200)
                .body("data.escalated_to_kill", equalTo(false))
                .body("data.already_stopped", equalTo(false));
        given().header("Authorization", BEARER).contentType("application/json").body(body)
                .when().post("/api/v1/process/stop")
                .then().statusCode(200)
                .body("data.killed_pids.size()", equalTo(0))
                .body("data.already_stopped", equalTo(true));
    }

    @Test
    void grpcStopsTreeWithRequestedSignalAndIsIdempotent() throws Exception {
        String task = newTaskId();
        Processes.startShell(TASK_ENV, task, TREE);
        List<Integer> tree = Processes.awaitCount(TASK_ENV, task, 3, Duration.ofSeconds(10));
        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.StopProcessResponse first = grpc.authorized().stopProcess(AgentProto.StopProcessRequest.newBuilder()
                    .setTaskId(task).setSignal("SIGKILL").setGracePeriodSeconds(5).build());
            assertThat(first.getTaskId()).isEqualTo(task);
            assertThat(first.getKilledPidsList()).containsAll(tree);
            assertThat(first.getEscalatedToKill()).isFalse();
            assertThat(first.getFoundList()).extracting(AgentProto.FoundProcess::getPid)
                    .containsExactlyInAnyOrderElementsOf(first.getKilledPidsList());
            assertThat(first.getAlreadyStopped()).isFalse();
            assertThat(tree).allSatisfy(pid -> assertThat(Processes.alive(pid)).isFalse());

            AgentProto.StopProcessResponse again = grpc.authorized().stopProcess(AgentProto.StopProcessRequest.newBuilder().setTaskId(task).build());
            assertThat(again.getAlreadyStopped()).isTrue();
            assertThat(again.getKilledPidsList()).isEmpty();
        }
    }

    @Test
    void rejectsBadInputWithoutSignallingAnything() throws Exception {
        String task = newTaskId();
        Processes.startShell(TASK_ENV, task, TREE);
        List<Integer> tree = Processes.awaitCount(TASK_ENV, task, 3, Duration.ofSeconds(10));

        given().header("Authorization", BEARER).contentType("application/json")
                .body("{\"task_id\":\"" + task + "\",\"grace_period_seconds\":31}")
                .when().post("/api/v1/process/stop")
                .then().statusCode(400)
                .body("message", containsString("grace_period_seconds: must be at most 30"))
                .body("message", containsString("fleetlink.agent.process.max-grace"));
        given().header("Authorization", BEARER).contentType("application/json")
                .body("{\"task_id\":\"" + task + "\",\"signal\":\"STOP\"}")
                .when().post("/api/v1/process/stop")
                .then().statusCode(400)
                .body("message", containsString("signal: must be one of"));
        given().header("Authorization", BEARER).contentType("application/json")
                .body("{\"signal\":\"TERM\"}")
                .when().post("/api/v1/process/stop")
                .then().statusCode(400)
                .body("message", containsString("task_id"));
        try (AgentGrpc grpc = AgentGrpc.local()) {
            assertThatThrownBy(() -> grpc.authorized().stopProcess(AgentProto.StopProcessRequest.newBuilder()
                    .setTaskId(task).setGracePeriodSeconds(3600).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).contains("grace_period_seconds");
                    });
        }

        assertThat(tree).allSatisfy(pid -> assertThat(Processes.alive(pid)).as("pid %d", pid).isTrue());
    }

    @Test
    void killsEveryProcessOfATenantForTheCleanup() throws Exception {
        RealParts.requireRoot();
        TestUser tenant = TestUsers.create();
        String mark = newTaskId();
        try {
            UserAccount account = users.requireTenant(tenant.name());
            String setpriv = "setpriv --reuid=" + account.uid() + " --regid=" + account.gid() + " --init-groups -- ";
            Processes.startShell(TASK_ENV, mark, "exec " + setpriv + "sh -c \"trap '' TERM; sleep 1000 & sleep 1000 & wait\"");
            Processes.startShell("FL_OTHER", mark, "sleep 1000");
            List<Integer> owned = Processes.awaitCount(TASK_ENV, mark, 3, Duration.ofSeconds(10));
            List<Integer> rootOwned = Processes.awaitCount("FL_OTHER", mark, 1, Duration.ofSeconds(10));

            assertThat(stopper.killUserProcesses(account, Duration.ofMillis(300), true).seen()).containsExactlyElementsOf(owned);
            assertThat(owned).allSatisfy(pid -> assertThat(Processes.alive(pid)).isTrue());

            ProcessStopper.UserProcesses ended = stopper.killUserProcesses(account, Duration.ofMillis(300), false);
            assertThat(ended.seen()).containsExactlyElementsOf(owned);
            assertThat(ended.escalated()).as("the shell ignores SIGTERM").isTrue();
            assertThat(owned).allSatisfy(pid -> assertThat(Processes.alive(pid)).as("pid %d", pid).isFalse());
            assertThat(rootOwned).allSatisfy(pid -> assertThat(Processes.alive(pid)).as("root's %d", pid).isTrue());
            assertThat(stopper.killUserProcesses(account, Duration.ofMillis(300), false).seen()).isEmpty();
        } finally {
            Processes.killAll("FL_OTHER", mark);
            Processes.killAll(TASK_ENV, mark);
            TestUsers.delete(tenant);
        }
    }

    @Test
    void findsATaskThatRewroteItsEnvironmentOrLeftItsParentByRecordedAncestryOverHttp() throws Exception {
        String task = newTaskId();
        EscapedTask escaped = startTaskThatEscapes(task);
        try {
            JsonPath reply = given().header("Authorization", BEARER).contentType("application/json")
                    .body("{\"task_id\":\"" + task + "\",\"grace_period_seconds\":1}")
                    .when().post("/api/v1/process/stop")
                    .then().statusCode(200)
                    .body("data.already_stopped", equalTo(false))
                    .extract().jsonPath();
            Map<Integer, String> found = new HashMap<>();
            List<Map<String, Object>> entries = reply.getList("data.found");
            entries.forEach(entry -> found.put((Integer) entry.get("pid"), (String) entry.get("via")));
            escaped.assertFoundAndEnded(found);
        } finally {
            escaped.kill();
        }
    }

    @Test
    void findsATaskThatRewroteItsEnvironmentOrLeftItsParentByRecordedAncestryOverGrpc() throws Exception {
        String task = newTaskId();
        EscapedTask escaped = startTaskThatEscapes(task);
        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.StopProcessResponse reply = grpc.authorized().stopProcess(AgentProto.StopProcessRequest.newBuilder()
                    .setTaskId(task).setGracePeriodSeconds(1).build());
            Map<Integer, String> found = new HashMap<>();
            reply.getFoundList().forEach(entry -> found.put(entry.getPid(), entry.getVia()));
            assertThat(reply.getKilledPidsList()).containsExactlyInAnyOrderElementsOf(found.keySet());
            escaped.assertFoundAndEnded(found);
        } finally {
            escaped.kill();
        }
    }

    @Test
    void configuredGracePeriodsAreCutToFitTheOperationTimeout() {
        Duration budget = ProcessStopper.KILL_BUDGET;
        assertThat(budget).isEqualTo(Duration.ofSeconds(36));
        assertThat(ProcessStopper.fitGrace(Duration.ofSeconds(10), Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(10));
        assertThat(ProcessStopper.fitGrace(Duration.ofMinutes(10), Duration.ofMinutes(5)))
                .isEqualTo(Duration.ofMinutes(5).minus(budget));
        assertThat(ProcessStopper.fitGrace(Duration.ofSeconds(10), Duration.ofSeconds(30))).isEqualTo(Duration.ZERO);
    }

    /**
     * A task whose every process escaped the environment lookup after the agent first saw it: one
     * process exec'd {@code env -i} (its environment is gone) and forked a child after that; another
     * {@code setsid}'d away, cleared its environment and lost its parent (re-parented to PID 1).
     */
    private EscapedTask startTaskThatEscapes(String task) throws Exception {
        Path gate = Files.createTempDirectory("flgate-").resolve("gate");
        TestCommands.ok("mkfifo", gate.toString());
        // `read < gate` waits without spawning anything until the test opens the FIFO for writing.
        Process left = Processes.startShell(TASK_ENV, task,
                "setsid sh -c 'read _ < \"$0\"; exec env -i sleep 1001' \"$0\" & read _ < \"$0\"; sleep 0.3; exit 0".replace("$0", gate.toString()));
        Processes.startShell(TASK_ENV, task,
                "read _ < '" + gate + "'; exec env -i sh -c 'sleep 1002 & wait'");
        List<Integer> before = Processes.awaitCount(TASK_ENV, task, 3, Duration.ofSeconds(10));
        stopper.observe(task); // the agent sees the tree once, while every process still carries the variable
        try (OutputStream open = Files.newOutputStream(gate)) {
            // opening the FIFO for writing releases every reader; closing it gives them end of file
        }
        assertThat(left.waitFor(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        EscapedTask escaped = null;
        while (System.nanoTime() < deadline) {
            escaped = EscapedTask.look(before);
            if (escaped.ready()) {
                break;
            }
            Thread.sleep(50);
        }
        TestFiles.deleteTree(gate.getParent());
        assertThat(escaped.ready()).as("the task escaped: %s", escaped).isTrue();
        assertThat(Processes.withEnv(TASK_ENV, task)).as("nothing carries the variable any more").isEmpty();
        return escaped;
    }

    /** The escaped processes: the setsid'd sleep (parent PID 1), the env -i shell and its new child. */
    private record EscapedTask(Integer setsid, Integer rewritten, Integer child) {

        static EscapedTask look(List<Integer> before) {
            Integer setsid = null;
            Integer rewritten = null;
            for (int pid : before) {
                List<String> argv = cmdline(pid);
                if (argv.equals(List.of("sleep", "1001")) && ppid(pid) == 1) {
                    setsid = pid;
                } else if (argv.size() == 3 && argv.get(0).equals("sh") && argv.get(2).equals("sleep 1002 & wait")) {
                    rewritten = pid;
                }
            }
            Integer child = null;
            if (rewritten != null) {
                for (ProcessHandle handle : ProcessHandle.of(rewritten).map(h -> h.children().toList()).orElse(List.of())) {
                    if (cmdline((int) handle.pid()).equals(List.of("sleep", "1002"))) {
                        child = (int) handle.pid();
                    }
                }
            }
            return new EscapedTask(setsid, rewritten, child);
        }

        boolean ready() {
            return setsid != null && rewritten != null && child != null;
        }

        void assertFoundAndEnded(Map<Integer, String> found) {
            assertThat(found).containsEntry(setsid, "recorded-ancestry")
                    .containsEntry(rewritten, "recorded-ancestry")
                    .containsEntry(child, "descendant");
            for (int pid : List.of(setsid, rewritten, child)) {
                assertThat(Processes.alive(pid)).as("pid %d", pid).isFalse();
            }
        }

        void kill() {
            for (Integer pid : new Integer[] {setsid, rewritten, child}) {
                if (pid != null) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }

        private static List<String> cmdline(int pid) {
            try {
                String raw = Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline"));
                return raw.isEmpty() ? List.of() : List.of(raw.split("\0"));
            } catch (IOException | RuntimeException e) {
                return List.of();
            }
        }

        private static int ppid(int pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
                return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }

    @Test
    void neverKillsProcessesOfSystemAccounts() {
        UserAccount root = new UserAccount("root", 0, 0, Path.of("/root"), "/bin/sh");
        assertThatThrownBy(() -> stopper.killUserProcesses(root, Duration.ofSeconds(1), true))
                .isInstanceOfSatisfying(AgentException.class, e -> {
                    assertThat(e.code()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("fleetlink.agent.tenant-uid-min");
                });
    }
}
