package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.agent.ops.ProcessStopper;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.agent.os.Users;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.RealParts;
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

            assertThat(stopper.killUserProcesses(account, Duration.ofMillis(300), true)).containsExactlyElementsOf(owned);
            assertThat(owned).allSatisfy(pid -> assertThat(Processes.alive(pid)).isTrue());

            assertThat(stopper.killUserProcesses(account, Duration.ofMillis(300), false)).containsExactlyElementsOf(owned);
            assertThat(owned).allSatisfy(pid -> assertThat(Processes.alive(pid)).as("pid %d", pid).isFalse());
            assertThat(rootOwned).allSatisfy(pid -> assertThat(Processes.alive(pid)).as("root's %d", pid).isTrue());
            assertThat(stopper.killUserProcesses(account, Duration.ofMillis(300), false)).isEmpty();
        } finally {
            Processes.killAll("FL_OTHER", mark);
            Processes.killAll(TASK_ENV, mark);
            TestUsers.delete(tenant);
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
