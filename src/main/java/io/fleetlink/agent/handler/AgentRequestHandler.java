package io.fleetlink.agent.handler;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.Validator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
import io.fleetlink.agent.state.EpochFence;
import io.fleetlink.agent.state.RequestJournal;
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
import io.grpc.Status;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The one implementation of every agent operation that both transports call. In order, each
 * mutating call is: permitted by configuration, validated, bound to its request id (a retry waits for
 * or replays the first run), fenced by its epoch, serialised with other calls on the same target, run
 * off the event loop (the caller waits up to a deadline, the work runs to its end), stored and audited.
 * The operation classes in {@code ops/} do the work on the machine.
 */
@ApplicationScoped
public class AgentRequestHandler {

    private final AgentConfig config;
    private final AgentIdentity identity;
    private final Validator validator;
    private final ObjectMapper json;
    private final IdempotencyCache replies;
    private final EpochFence fence;
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
        checkSettings(config);
        this.fence = EpochFence.open(config.stateDir());
        this.replies = new IdempotencyCache(config.idempotency().retention(), config.idempotency().maxEntries(),
                Clock.systemUTC(), json, RequestJournal.open(config.stateDir(), json));
        this.systemInfo = systemInfo;
        this.processStopper = processStopper;
        this.sshKeys = sshKeys;
        this.cleaner = cleaner;
        this.datasets = datasets;
        this.commands = commands;
        this.gpus = gpus;
    }

    /**
     * Refuses removed settings with a message naming their replacement. Called by the constructor, so
     * the agent's start-up (which opens the state through {@link #openState}) fails on them.
     */
    static void checkSettings(AgentConfig config) {
        if (config.idempotency().ttl().isPresent()) {
            throw new IllegalStateException("fleetlink.agent.idempotency.ttl was removed: set fleetlink.agent.idempotency.retention "
                    + "(default 15m; how long a finished request's result is replayed, also after a restart) and remove idempotency.ttl");
        }
    }

    /**
     * Reads the state directory now (epoch and request journal), so a corrupt or unreadable state stops
     * the agent at start-up. Returns the host's epoch.
     */
    public long openState() {
        return fence.current();
    }

    public Uni<PingResponse> ping() {
        return Uni.createFrom().item(() -> identity.ping(fence.current()));
    }

    public Uni<GetSystemInfoResponse> systemInfo() {
        return Uni.createFrom().deferred(() -> {
            permit(AgentRpc.SYSTEM_INFO);
            return serializer.run(null, systemInfo::collect)
                    .ifNoItem().after(config.operationTimeout()).failWith(() -> stillRunning(AgentRpc.SYSTEM_INFO, false));
        });
    }

    /** CheckGpuHealth: read-only, so not deduplicated and not serialised against other work. */
    public Uni<CheckGpuHealthResponse> gpuHealth() {
        return Uni.createFrom().deferred(() -> {
            permit(AgentRpc.GPU_HEALTH);
            return serializer.run(null, gpus::health)
                    .ifNoItem().after(config.operationTimeout()).failWith(() -> stillRunning(AgentRpc.GPU_HEALTH, false));
        });
    }

    public Uni<StopProcessResponse> stopProcess(StopProcessRequest request, RequestMeta meta) {
        return mutate(AgentRpc.PROCESS_STOP, request, meta, StopProcessResponse.class,
                () -> "task:" + request.taskId(), epoch -> processStopper.stop(request));
    }

    public Uni<ResetSshResponse> resetSsh(ResetSshRequest request, RequestMeta meta) {
        return mutate(AgentRpc.SSH_RESET, request, meta, ResetSshResponse.class,
                () -> "user:" + request.user(), epoch -> sshKeys.reset(request));
    }

    public Uni<CleanupMachineResponse> cleanupMachine(CleanupMachineRequest request, RequestMeta meta) {
        return mutate(AgentRpc.MACHINE_CLEANUP, request, meta, CleanupMachineResponse.class,
                () -> "user:" + request.user(), epoch -> {
                    String startedAt = Instant.now().toString();
                    // Before each step: has the host moved past the epoch this cleanup runs under?
                    CleanupMachineResponse result = cleaner.clean(request, () -> {
                        long now = fence.current();
                        return now > epoch ? Optional.of("fenced: this host moved to epoch " + now) : Optional.empty();
                    });
                    // The epoch it ran under; 0 when unfenced (the gate above still holds it to the host's epoch at its start).
                    return result.at(identity.hostId(), identity.version(), meta.epoch().orElse(0), startedAt,
                            Instant.now().toString());
                });
    }

    public Uni<MountDatasetResponse> mountDataset(MountDatasetRequest request, RequestMeta meta) {
        return mutate(AgentRpc.DATASET_MOUNT, request, meta, MountDatasetResponse.class,
                () -> "dataset:" + request.datasetId(), epoch -> datasets.mount(request));
    }

    public Uni<UnmountDatasetResponse> unmountDataset(UnmountDatasetRequest request, RequestMeta meta) {
        return mutate(AgentRpc.DATASET_UNMOUNT, request, meta, UnmountDatasetResponse.class,
                () -> "dataset:" + request.datasetId(), epoch -> datasets.unmount(request));
    }

    public Uni<ExecuteCommandResponse> executeCommand(ExecuteCommandRequest request, RequestMeta meta) {
        // Commands are not serialised: two reads of nvidia-smi may well run at once.
        return mutate(AgentRpc.COMMAND_EXEC, request, meta, ExecuteCommandResponse.class,
                () -> null, epoch -> commands.run(request));
    }

    /** An operation's work, given the epoch it runs under (the request's, or the host's at its start when unfenced). */
    @FunctionalInterface
    private interface Work<R> {
        R run(long epoch) throws Exception;
    }

    /**
     * Every mutating call, in order: permitted, validated, fencing header required where configured;
     * then its request id is claimed. A retry of a bound id waits for (or replays) the first run and does
     * nothing itself. A new run is checked against the host's epoch at once (memory only) and again,
     * atomically with raising it, when its turn on the target comes, on a worker thread; its start is
     * journaled, the work runs, and the result is stored and audited when the work ends, whoever still
     * waits. The caller waits at most {@code operation-timeout} and then gets 504 while the work goes on.
     */
    private <Q, R> Uni<R> mutate(AgentRpc operation, Q request, RequestMeta meta, Class<R> type,
            Callable<String> target, Work<R> work) {
        return Uni.createFrom().deferred(() -> {
            long arrived = System.nanoTime();
            String targetName = "-";
            String key = null;
            IdempotencyCache.Run run = null;
            try {
                permit(operation);
                validate(request);
                key = target.call();
                targetName = key == null ? describeCommand(request) : key;
                if (meta.epoch().isEmpty() && config.fencing().required()) {
                    throw new AgentException(409, "this agent requires " + RequestMeta.EPOCH_HEADER
                            + " (fleetlink.agent.fencing.required)").withGrpcStatus(Status.Code.FAILED_PRECONDITION);
                }
                if (meta.requestId().isPresent()) {
                    IdempotencyCache.Claim claim = replies.claim(meta.requestId().get(), operation, fingerprint(request));
                    run = claim.run();
                    if (!claim.owner()) {
                        // A retry: it runs nothing, whatever its epoch; it is told what the first run did.
                        IdempotencyCache.Run original = run;
                        String audited = targetName;
                        original.outcome().whenComplete((value, failure) -> AuditLog.replay(operation, audited, meta,
                                original.summary(), elapsedMs(arrived)));
                        return await(original, type, meta);
                    }
                } else {
                    run = replies.unbound(operation);
                }
                if (meta.epoch().isPresent()) {
                    fence.check(meta.epoch().getAsLong());
                }
            } catch (Exception e) {
                if (run != null) {
                    run.rejected(e);
                }
                AuditLog.rejected(operation, targetName, meta, describe(e), elapsedMs(arrived));
                return Uni.createFrom().failure(e);
            }
            IdempotencyCache.Run owned = run;
            String audited = targetName;
            // Started here, not by the caller's subscription: a caller that goes away does not stop or hide it.
            serializer.run(key, () -> execute(owned, operation, audited, meta, work, arrived))
                    .subscribe().with(ignored -> {
                    }, failure -> Log.errorf(failure, "%s: unexpected failure around the work", operation.configName()));
            return await(owned, type, meta);
        });
    }

    /** The run itself, on a worker thread, in its turn on the target. Never throws: every end is recorded. */
    private <R> Void execute(IdempotencyCache.Run run, AgentRpc operation, String target, RequestMeta meta, Work<R> work,
            long arrived) {
        long epoch;
        try {
            if (meta.epoch().isPresent()) {
                epoch = fence.admit(meta.epoch().getAsLong());
            } else {
                epoch = fence.current();
            }
            run.started();
        } catch (RuntimeException e) {
            run.rejected(e);
            AuditLog.rejected(operation, target, meta, describe(e), elapsedMs(arrived));
            return null;
        }
        try {
            R result = work.run(epoch);
            String summary = describe(result);
            run.finished(result, summary);
            AuditLog.execution(operation, target, meta, summary, elapsedMs(arrived));
        } catch (Throwable e) {
            String summary = describe(e);
            run.failed(e, summary);
            AuditLog.execution(operation, target, meta, summary, elapsedMs(arrived));
        }
        return null;
    }

    /** The run's outcome for this caller, within {@code operation-timeout}. */
    private <R> Uni<R> await(IdempotencyCache.Run run, Class<R> type, RequestMeta meta) {
        return Uni.createFrom().completionStage(run.outcome())
                .map(value -> convert(value, type))
                .ifNoItem().after(config.operationTimeout())
                .failWith(() -> stillRunning(run.operation(), meta.requestId().isPresent()));
    }

    private <R> R convert(Object value, Class<R> type) {
        if (type.isInstance(value)) {
            return type.cast(value);
        }
        try {
            return json.treeToValue((JsonNode) value, type);
        } catch (JsonProcessingException | RuntimeException e) {
            throw AgentException.internal("cannot read the stored reply of this request", e);
        }
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

    /** The 504: true whatever happens next, since the work is not stopped. */
    static AgentException stillRunning(AgentRpc operation, boolean withRequestId) {
        return new AgentException(504, operation.configName() + (withRequestId
                ? " still running; retry with the same " + RequestIds.HEADER + " to get its result"
                : " still running; it was sent without " + RequestIds.HEADER + ", so its result cannot be fetched: "
                        + "send one to make a retry safe"));
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
