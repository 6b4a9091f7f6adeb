package io.fleetlink.agent.handler;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.concurrent.Callable;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.Validator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.AgentIdentity;
import io.fleetlink.agent.ops.CommandRunner;
import io.fleetlink.agent.ops.DatasetMounter;
import io.fleetlink.agent.ops.MachineCleaner;
import io.fleetlink.agent.ops.ProcessStopper;
import io.fleetlink.agent.ops.SshKeyInstaller;
import io.fleetlink.agent.ops.GpuScrubber;
import io.fleetlink.agent.ops.SystemInfoCollector;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.fleetlink.protocol.CheckGpuHealthResponse;
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
import io.fleetlink.web.RequestIds;
import io.fleetlink.web.RequestValidation;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The one implementation of every agent operation that both transports call. In order, each
 * mutating call is: permitted by configuration, validated, deduplicated by request id, serialised
 * with other calls on the same target, run off the event loop with a deadline, and audited.
 * The operation classes in {@code ops/} do the work on the machine.
 */
@ApplicationScoped
public class AgentRequestHandler {

    private final AgentConfig config;
    private final AgentIdentity identity;
    private final Validator validator;
    private final ObjectMapper json;
    private final IdempotencyCache replies;
    private final KeyedSerializer serializer = new KeyedSerializer(Infrastructure.getDefaultWorkerPool());

    private final SystemInfoCollector systemInfo;
    private final ProcessStopper processStopper;
    private final SshKeyInstaller sshKeys;
    private final MachineCleaner cleaner;
    private final DatasetMounter datasets;
    private final CommandRunner commands;
    private final GpuScrubber gpus;

    public AgentRequestHandler(AgentConfig config, AgentIdentity identity, Validator validator, ObjectMapper json,
            SystemInfoCollector systemInfo, ProcessStopper processStopper, SshKeyInstaller sshKeys,
            MachineCleaner cleaner, DatasetMounter datasets, CommandRunner commands, GpuScrubber gpus) {
        this.config = config;
        this.identity = identity;
        this.validator = validator;
        this.json = json;
        this.replies = new IdempotencyCache(config.idempotency().ttl(), config.idempotency().maxEntries(), Clock.systemUTC());
        this.systemInfo = systemInfo;
        this.processStopper = processStopper;
        this.sshKeys = sshKeys;
        this.cleaner = cleaner;
        this.datasets = datasets;
        this.commands = commands;
        this.gpus = gpus;
    }

    public Uni<PingResponse> ping() {
        return Uni.createFrom().item(identity::ping);
    }

    public Uni<GetSystemInfoResponse> systemInfo() {
        return Uni.createFrom().deferred(() -> {
            permit(AgentRpc.SYSTEM_INFO);
            return serializer.run(null, systemInfo::collect)
                    .ifNoItem().after(config.operationTimeout()).failWith(() -> timeout(AgentRpc.SYSTEM_INFO));
        });
    }

    /** CheckGpuHealth: read-only, so not deduplicated and not serialised against other work. */
    public Uni<CheckGpuHealthResponse> gpuHealth() {
        return Uni.createFrom().deferred(() -> {
            permit(AgentRpc.GPU_HEALTH);
            return serializer.run(null, gpus::health)
                    .ifNoItem().after(config.operationTimeout()).failWith(() -> timeout(AgentRpc.GPU_HEALTH));
        });
    }

    public Uni<StopProcessResponse> stopProcess(StopProcessRequest request, RequestMeta meta) {
        return mutate(AgentRpc.PROCESS_STOP, request, meta,
                () -> "task:" + request.taskId(), () -> processStopper.stop(request));
    }

    public Uni<ResetSshResponse> resetSsh(ResetSshRequest request, RequestMeta meta) {
        return mutate(AgentRpc.SSH_RESET, request, meta,
                () -> "user:" + request.user(), () -> sshKeys.reset(request));
    }

    public Uni<CleanupMachineResponse> cleanupMachine(CleanupMachineRequest request, RequestMeta meta) {
        return mutate(AgentRpc.MACHINE_CLEANUP, request, meta,
                () -> "user:" + request.user(), () -> cleaner.clean(request));
    }

    public Uni<MountDatasetResponse> mountDataset(MountDatasetRequest request, RequestMeta meta) {
        return mutate(AgentRpc.DATASET_MOUNT, request, meta,
                () -> "dataset:" + request.datasetId(), () -> datasets.mount(request));
    }

    public Uni<UnmountDatasetResponse> unmountDataset(UnmountDatasetRequest request, RequestMeta meta) {
        return mutate(AgentRpc.DATASET_UNMOUNT, request, meta,
                () -> "dataset:" + request.datasetId(), () -> datasets.unmount(request));
    }

    public Uni<ExecuteCommandResponse> executeCommand(ExecuteCommandRequest request, RequestMeta meta) {
        // Commands are not serialised: two reads of nvidia-smi may well run at once.
        return mutate(AgentRpc.COMMAND_EXEC, request, meta, () -> null, () -> commands.run(request));
    }

    private <Q, R> Uni<R> mutate(AgentRpc operation, Q request, RequestMeta meta,
            Callable<String> target, Callable<R> work) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            String targetName = "-";
            try {
                permit(operation);
                validate(request);
                String key = target.call();
                targetName = key == null ? describeCommand(request) : key;
                String audited = targetName;
                Uni<R> execution = serializer.run(key, work)
                        .ifNoItem().after(config.operationTimeout()).failWith(() -> timeout(operation));
                Uni<R> outcome = meta.requestId().isPresent()
                        ? replies.execute(meta.requestId().get(), operation, fingerprint(request), () -> execution)
                        : execution;
                return outcome
                        .onItem().invoke(result -> AuditLog.record(operation, audited, meta, describe(result), elapsedMs(started)))
                        .onFailure().invoke(failure -> AuditLog.record(operation, audited, meta, describe(failure), elapsedMs(started)));
            } catch (Exception e) {
                AuditLog.record(operation, targetName, meta, describe(e), elapsedMs(started));
                return Uni.createFrom().failure(e);
            }
        });
    }

    private void permit(AgentRpc operation) {
        if (config.operations().disabled().map(set -> set.contains(operation)).orElse(false)) {
            throw AgentException.forbidden(operation.configName() + " is disabled on this agent "
                    + "(fleetlink.agent.operations.disabled)");
        }
        if (operation == AgentRpc.COMMAND_EXEC && !config.exec().enabled()) {
            throw AgentException.forbidden("command execution is disabled on this agent; "
                    + "an operator can enable it with fleetlink.agent.exec.enabled=true and fleetlink.agent.exec.allowed-commands");
        }
    }

    private void validate(Object request) {
        RequestValidation.violations(validator, request).ifPresent(message -> {
            throw new AgentException(400, message);
        });
    }

    private byte[] fingerprint(Object request) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(json.writeValueAsBytes(request));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw AgentException.internal("cannot fingerprint the request", e);
        }
    }

    private static AgentException timeout(AgentRpc operation) {
        return new AgentException(504, operation.configName() + " did not finish within fleetlink.agent.operation-timeout; "
                + "it may still be running on the machine: retry with the same " + RequestIds.HEADER + " to get its result");
    }

    private static String describeCommand(Object request) {
        if (request instanceof ExecuteCommandRequest exec && exec.command() != null && !exec.command().isEmpty()) {
            // Only the program, never its arguments: they may carry secrets.
            return "command:" + exec.command().get(0).replaceAll("[^A-Za-z0-9._/+-]", "?");
        }
        return "-";
    }

    private static String describe(Object result) {
        if (result instanceof CleanupMachineResponse cleanup && !cleanup.success()) {
            return "failed-steps";
        }
        if (result instanceof ExecuteCommandResponse exec) {
            return exec.timedOut() ? "ok(timed-out)" : "ok(exit=" + exec.exitCode() + ")";
        }
        return "ok";
    }

    private static String describe(Throwable failure) {
        if (failure instanceof AgentException agent) {
            return (agent.code() < 500 ? "rejected(" : "failed(") + agent.code() + ")";
        }
        return "failed(" + failure.getClass().getSimpleName() + ")";
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
