package io.fleetlink.controller.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.AgentIdentity;
import io.fleetlink.agent.FakeNvidiaSmi;
import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.fleetlink.protocol.GetSystemInfoResponse;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountDatasetResponse;
import io.fleetlink.protocol.PingResponse;
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.ResetSshResponse;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountDatasetResponse;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestPorts;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.smallrye.mutiny.Uni;

/**
 * One contract, run once per protocol against the real agent (this process, role all): every
 * operation's success and rejection, through the controller's full call path. The subclasses differ
 * only in {@code agent.protocol}, so identical assertions mean identical results.
 */
abstract class AgentClientContract {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    AgentClients clients;

    @Inject
    AgentIdentity identity;

    @Inject
    ObjectMapper json;

    abstract AgentLinkConfig.Protocol expectedProtocol();

    HostAddress localAgent() {
        return new HostAddress("local", "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
    }

    /** A client of the configured protocol that presents {@code token} instead of the right one. */
    AgentClient clientWithToken(HostAddress host, String token) {
        return switch (expectedProtocol()) {
            case HTTP -> new HttpAgentClient(host, token, json, Optional.empty(), TIMEOUT);
            case GRPC -> new GrpcAgentClient(host, token, Optional.empty());
        };
    }

    <T> T call(AgentRpc operation, BiFunction<AgentClient, CallOptions, Uni<T>> body) {
        return clients.call(localAgent(), operation, "contract-" + UUID.randomUUID(), null, body).await().atMost(TIMEOUT);
    }

    AgentRejectedException rejected(AgentRpc operation, BiFunction<AgentClient, CallOptions, Uni<?>> body) {
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> call(operation, body::apply));
        assertThat(failure).isInstanceOf(AgentRejectedException.class);
        return (AgentRejectedException) failure;
    }

    // ---- protocol and transport

    @Test
    void configuredProtocolIsUsed() {
        assertThat(clients.protocol()).isEqualTo(expectedProtocol());
    }

    @Test
    void pingReturnsTheAgentsIdentity() {
        PingResponse info = call(AgentRpc.PING, (c, o) -> c.ping(o));

        assertThat(info.hostId()).isEqualTo(identity.hostId());
        assertThat(info.agentVersion()).isEqualTo(identity.version());
        assertThat(info.uptimeSeconds()).isBetween(0L, 3600L);
    }

    @Test
    void clientIsCachedPerHostAndReplacedWhenTheAddressChanges() {
        AgentClient first = clients.forHost(localAgent());
        assertThat(clients.forHost(localAgent())).isSameAs(first);

        HostAddress moved = new HostAddress("local", "localhost", TestPorts.httpPort(), TestPorts.grpcPort());
        AgentClient second = clients.forHost(moved);
        assertThat(second).isNotSameAs(first);
        assertThat(second.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT).hostId()).isEqualTo(identity.hostId());
        clients.forHost(localAgent());
    }

    @Test
    void wrongTokenIsUnauthorizedAndNotRetryable() {
        try (AgentClient client = clientWithToken(localAgent(), "not-the-token")) {
            assertThatThrownBy(() -> client.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnauthorizedException.class, e -> {
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.getMessage()).contains("local", "ping", "fleetlink.controller.agent-token");
                    });
        }
    }

    @Test
    void closedPortIsUnreachableAndRetryable() {
        int closed = TestPorts.freePort();
        HostAddress nowhere = new HostAddress("ghost", "127.0.0.1", closed, closed);
        try (AgentClient client = clientWithToken(nowhere, "any")) {
            assertThatThrownBy(() -> client.ping(CallOptions.of(TIMEOUT)).await().atMost(TIMEOUT))
                    .isInstanceOfSatisfying(AgentUnreachableException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains("ghost", "ping");
                    });
        }
    }

    // ---- GetSystemInfo

    @Test
    void systemInfoReportsTheMachineAndItsGpus() {
        GetSystemInfoResponse info = call(AgentRpc.SYSTEM_INFO, (c, o) -> c.getSystemInfo(o));

        assertThat(info.hostId()).isEqualTo(identity.hostId());
        assertThat(info.kernel()).isNotBlank();
        assertThat(info.cpu().cores()).isPositive();
        assertThat(info.memory().totalBytes()).isPositive();
        assertThat(info.disks()).isNotEmpty();
        assertThat(info.gpus()).extracting(GetSystemInfoResponse.Gpu::uuid).containsExactly(FakeNvidiaSmi.UUID_0, FakeNvidiaSmi.UUID_1);
        assertThat(info.gpus().get(0).utilizationPercent()).isEqualTo(37.0);
        assertThat(info.gpus().get(1).utilizationPercent()).isNull();
        assertThat(info.gpuDriverVersion()).isEqualTo("550.54.15");
        assertThat(info.gpuError()).isNull();
        // What the GPU health gate reads, [N/A] as null on both transports.
        GetSystemInfoResponse.Gpu second = info.gpus().get(1);
        assertThat(second.pciBusId()).isEqualTo(FakeNvidiaSmi.PCI_1);
        assertThat(second.eccUncorrectedVolatile()).isNotNull();
        assertThat(second.remappedRowsPending()).isFalse();
        assertThat(second.migEnabled()).isNull();
        assertThat(second.persistenceMode()).isFalse();
        assertThat(info.gpus().get(0).remappedRowsPending()).isNull();
        assertThat(info.gpus().get(0).throttleReasonsActive()).isEmpty();
    }

    // ---- CheckGpuHealth

    @Test
    void gpuHealthReportsEveryCheckOfEveryGpu() {
        io.fleetlink.protocol.CheckGpuHealthResponse health = call(AgentRpc.GPU_HEALTH, (c, o) -> c.checkGpuHealth(o));
        assertThat(health.error()).isNull();
        assertThat(health.gpus()).extracting(io.fleetlink.protocol.CheckGpuHealthResponse.Gpu::uuid)
                .containsExactly(FakeNvidiaSmi.UUID_0, FakeNvidiaSmi.UUID_1);
        assertThat(health.gpus().get(0).checks()).extracting(io.fleetlink.protocol.CheckGpuHealthResponse.Check::name)
                .contains("present", "ecc", "xid");
    }

    // ---- StopProcess

    @Test
    void stopProcessEndsARealTaskAndIsIdempotent() throws Exception {
        String taskId = "contract-" + UUID.randomUUID();
        ProcessBuilder builder = new ProcessBuilder("sleep", "1000");
        builder.environment().put("FLEETLINK_TASK_ID", taskId);
        Process task = builder.start();
        try {
            StopProcessResponse first = call(AgentRpc.PROCESS_STOP,
                    (c, o) -> c.stopProcess(new StopProcessRequest(taskId, "TERM", 5), o));
            assertThat(first.taskId()).isEqualTo(taskId);
            assertThat(first.killedPids()).contains((int) task.pid());
            assertThat(first.alreadyStopped()).isFalse();
            assertThat(task.waitFor(10, TimeUnit.SECONDS)).isTrue();

            StopProcessResponse again = call(AgentRpc.PROCESS_STOP,
                    (c, o) -> c.stopProcess(new StopProcessRequest(taskId, null, null), o));
            assertThat(again.alreadyStopped()).isTrue();
            assertThat(again.killedPids()).isEmpty();
        } finally {
            task.destroyForcibly();
        }
    }

    @Test
    void stopProcessRejectsABlankTaskIdWithoutRetrying() {
        AgentRejectedException e = rejected(AgentRpc.PROCESS_STOP,
                (c, o) -> c.stopProcess(new StopProcessRequest(" ", null, null), o));
        assertThat(e.code()).isEqualTo(400);
        assertThat(e.agentMessage()).contains("task_id");
        assertThat(e.retryable()).isFalse();
    }

    // ---- ResetSSH

    @Test
    void resetSshInstallsTheKeysAndReportsTheirFingerprints() throws Exception {
        RealParts.requireRoot();
        RealParts.require("ssh-keygen", "openssh-client");
        TestUser tenant = TestUsers.create();
        Path keys = Files.createTempDirectory("fl-contract-keys");
        try {
            TestCommands.ok("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", keys.resolve("id").toString());
            String publicKey = Files.readString(keys.resolve("id.pub")).strip();
            String expected = TestCommands.ok("ssh-keygen", "-l", "-E", "sha256", "-f", keys.resolve("id.pub").toString())
                    .stdout().split(" ")[1];

            ResetSshResponse result = call(AgentRpc.SSH_RESET,
                    (c, o) -> c.resetSsh(new ResetSshRequest(tenant.name(), List.of(publicKey), false), o));

            assertThat(result.user()).isEqualTo(tenant.name());
            assertThat(result.fingerprints()).containsExactly(expected);
            assertThat(Files.readString(tenant.home().resolve(".ssh/authorized_keys"))).contains(publicKey);
        } finally {
            TestUsers.delete(tenant);
            TestFiles.deleteTree(keys);
        }
    }

    @Test
    void resetSshRejectsUnknownUsersSystemAccountsAndBadKeys() {
        assertThat(rejected(AgentRpc.SSH_RESET,
                (c, o) -> c.resetSsh(new ResetSshRequest("flnosuchuser", List.of(), false), o)).code()).isEqualTo(404);
        assertThat(rejected(AgentRpc.SSH_RESET,
                (c, o) -> c.resetSsh(new ResetSshRequest("root", List.of(), false), o)).code()).isEqualTo(403);
        AgentRejectedException badKey = rejected(AgentRpc.SSH_RESET,
                (c, o) -> c.resetSsh(new ResetSshRequest("root", List.of("ssh-ed25519 not-base64!"), false), o));
        assertThat(badKey.code()).isEqualTo(400);
        assertThat(badKey.agentMessage()).contains("authorized_keys[0]");
    }

    // ---- CleanupMachine

    @Test
    void cleanupDryRunListsAndAFailedStepIsAResultNotAnError() throws Exception {
        RealParts.requireRoot();
        TestUser tenant = TestUsers.create();
        Path scratch = Path.of(dataRoot("scratch").replace("{user}", tenant.name()));
        Path outside = Files.createTempDirectory("fl-contract-outside");
        try {
            CleanupMachineResponse dryRun = call(AgentRpc.MACHINE_CLEANUP,
                    (c, o) -> c.cleanupMachine(new CleanupMachineRequest(tenant.name(), List.of("ssh", "data"), true), o));
            assertThat(dryRun.success()).isTrue();
            assertThat(dryRun.steps()).extracting(CleanupMachineResponse.Step::type).containsExactly("data", "ssh");

            // A data root that is a symlink out of its parent must fail its step, not be followed.
            Files.createDirectories(scratch.getParent());
            Files.createSymbolicLink(scratch, outside);
            Files.writeString(outside.resolve("sentinel"), "keep");
            CleanupMachineResponse failed = call(AgentRpc.MACHINE_CLEANUP,
                    (c, o) -> c.cleanupMachine(new CleanupMachineRequest(tenant.name(), List.of("data"), false), o));
            assertThat(failed.success()).isFalse();
            assertThat(failed.steps()).singleElement().satisfies(step -> {
                assertThat(step.type()).isEqualTo("data");
                assertThat(step.success()).isFalse();
            });
            assertThat(outside.resolve("sentinel")).hasContent("keep");
        } finally {
            Files.deleteIfExists(scratch);
            TestFiles.deleteTree(outside);
            TestUsers.delete(tenant);
        }
    }

    @Test
    void cleanupRejectsAnUnknownStepType() {
        AgentRejectedException e = rejected(AgentRpc.MACHINE_CLEANUP,
                (c, o) -> c.cleanupMachine(new CleanupMachineRequest("root", List.of("everything"), true), o));
        assertThat(e.code()).isEqualTo(400);
        assertThat(e.agentMessage()).contains("types[0]");
    }

    // ---- MountDataset / UnmountDataset

    @Test
    void mountAndUnmountARealBindMountIdempotently() throws Exception {
        RealParts.requireRoot();
        Path sources = Path.of(allowedSource());
        Path source = Files.createDirectories(sources.resolve("contract-" + UUID.randomUUID()));
        Files.writeString(source.resolve("data.txt"), "weights");
        String id = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            MountDatasetResponse mounted = call(AgentRpc.DATASET_MOUNT,
                    (c, o) -> c.mountDataset(new MountDatasetRequest(id, source.toString(), null, null, null), o));
            assertThat(mounted.alreadyMounted()).isFalse();
            assertThat(Path.of(mounted.mountPoint()).resolve("data.txt")).hasContent("weights");

            MountDatasetResponse again = call(AgentRpc.DATASET_MOUNT,
                    (c, o) -> c.mountDataset(new MountDatasetRequest(id, source.toString(), null, null, null), o));
            assertThat(again.alreadyMounted()).isTrue();
            assertThat(again.mountPoint()).isEqualTo(mounted.mountPoint());

            UnmountDatasetResponse unmounted = call(AgentRpc.DATASET_UNMOUNT,
                    (c, o) -> c.unmountDataset(new UnmountDatasetRequest(id), o));
            assertThat(unmounted.alreadyUnmounted()).isFalse();
            assertThat(Path.of(mounted.mountPoint())).doesNotExist();
            assertThat(call(AgentRpc.DATASET_UNMOUNT,
                    (c, o) -> c.unmountDataset(new UnmountDatasetRequest(id), o)).alreadyUnmounted()).isTrue();
        } finally {
            call(AgentRpc.DATASET_UNMOUNT, (c, o) -> c.unmountDataset(new UnmountDatasetRequest(id), o));
            TestFiles.deleteTree(source);
        }
    }

    @Test
    void mountRejectsPathTricksAndSourcesOutsideTheAllowedRoots() {
        AgentRejectedException dots = rejected(AgentRpc.DATASET_MOUNT,
                (c, o) -> c.mountDataset(new MountDatasetRequest("..", allowedSource(), null, null, null), o));
        assertThat(dots.code()).isEqualTo(400);
        assertThat(dots.agentMessage()).contains("dataset_id");

        AgentRejectedException outside = rejected(AgentRpc.DATASET_MOUNT,
                (c, o) -> c.mountDataset(new MountDatasetRequest("etc", "/etc", null, null, null), o));
        assertThat(outside.code()).isEqualTo(403);
        assertThat(outside.agentMessage()).contains("source");
    }

    // ---- ExecuteCommand

    @Test
    void execRunsAnAllowedCommandAndReportsNonZeroExitsAsResults() {
        ExecuteCommandResponse hello = clients.call(localAgent(), AgentRpc.COMMAND_EXEC, "contract-" + UUID.randomUUID(), 10,
                (c, o) -> c.executeCommand(new ExecuteCommandRequest(List.of("echo", "hello"), null, null, 10, null), o))
                .await().atMost(TIMEOUT);
        assertThat(hello.exitCode()).isZero();
        assertThat(hello.stdout()).isEqualTo("hello\n");
        assertThat(hello.timedOut()).isFalse();

        ExecuteCommandResponse failing = call(AgentRpc.COMMAND_EXEC,
                (c, o) -> c.executeCommand(new ExecuteCommandRequest(List.of("/bin/sh", "-c", "echo oops >&2; exit 3"), null, null, null, null), o));
        assertThat(failing.exitCode()).isEqualTo(3);
        assertThat(failing.stderr()).isEqualTo("oops\n");
    }

    @Test
    void execRefusesProgramsOutsideTheAllowlist() {
        AgentRejectedException e = rejected(AgentRpc.COMMAND_EXEC,
                (c, o) -> c.executeCommand(new ExecuteCommandRequest(List.of("/usr/bin/id"), null, null, null, null), o));
        assertThat(e.code()).isEqualTo(403);
        assertThat(e.retryable()).isFalse();
    }

    private static String dataRoot(String containing) {
        return ConfigProvider.getConfig().getValues("fleetlink.agent.cleanup.data-roots", String.class).stream()
                .filter(root -> root.contains(containing))
                .findFirst()
                .orElseThrow();
    }

    private static String allowedSource() {
        return ConfigProvider.getConfig().getValues("fleetlink.agent.datasets.allowed-sources", String.class).get(0);
    }
}
