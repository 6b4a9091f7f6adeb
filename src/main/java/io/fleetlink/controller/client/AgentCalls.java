package io.fleetlink.controller.client;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.BiFunction;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.CheckGpuHealthResponse;
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
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The facade the rest of the controller uses to ask agents for work (the seed's
 * {@code agent_service.go}): one method per operation, taking a host id. Every call has a deadline
 * derived from what the operation may take at the agent (see {@code CallPolicy}), is retried on
 * unreachable / timeout / 5xx with full-jitter backoff up to {@code fleetlink.controller.retry.max-attempts},
 * passes the host's circuit breaker, and fails only with an {@code AgentClientException} (or
 * {@code UnknownHostIdException}, {@code HostLookupException}). Mutations take a {@link CallContext}: the
 * request id the agent deduplicates (the same when repeating the same request, a pipeline resuming after
 * a restart), the host's fencing epoch the call acts for, and, for pipelines, an attempt log and a retry
 * budget ({@code fleetlink.controller.pipeline.retry-for}) within which transient failures, an open
 * breaker and store errors are waited out rather than failing the call. A stale-epoch refusal is an
 * {@link AgentFencedException}: the host's epoch is raised above the agent's; when the refused epoch was
 * still the host's own (the store was behind the agent) the call goes on under the new epoch, otherwise
 * it fails.
 */
@ApplicationScoped
public class AgentCalls {

    private final HostDirectory hosts;
    private final AgentClients clients;

    public AgentCalls(HostDirectory hosts, AgentClients clients) {
        this.hosts = hosts;
        this.clients = clients;
    }

    /** Liveness of the agent. Read-only: retried on unreachable, timeout and 5xx. Records the agent's epoch. */
    public Uni<PingResponse> ping(String hostId) {
        return call(hostId, AgentRpc.PING, CallContext.of(null, null), null, (client, options) -> client.ping(options))
                .call(pong -> hosts.agentEpochSeen(hostId, pong.epoch()));
    }

    /** The machine's facts. Read-only: retried on unreachable, timeout and 5xx. */
    public Uni<GetSystemInfoResponse> getSystemInfo(String hostId) {
        return call(hostId, AgentRpc.SYSTEM_INFO, CallContext.of(null, null), null,
                (client, options) -> client.getSystemInfo(options));
    }

    /**
     * The GPU health gate's checks now (nothing signalled, reset or recorded on the machine). Read-only:
     * retried on unreachable, timeout and 5xx like ping; deadline {@code fleetlink.controller.timeouts.gpu-health}.
     */
    public Uni<CheckGpuHealthResponse> checkGpuHealth(String hostId) {
        return call(hostId, AgentRpc.GPU_HEALTH, CallContext.of(null, null), null,
                (client, options) -> client.checkGpuHealth(options));
    }

    /**
     * Stops a task's processes. Idempotent on the agent; retried with the same request id. Its deadline is
     * the request's grace (else {@code stop-grace}) plus {@code deadline-margin}.
     */
    public Uni<StopProcessResponse> stopProcess(String hostId, StopProcessRequest request, CallContext context) {
        Duration grace = request.gracePeriodSeconds() == null ? null : Duration.ofSeconds(request.gracePeriodSeconds());
        return call(hostId, AgentRpc.PROCESS_STOP, withId(context), grace,
                (client, options) -> client.stopProcess(request, options));
    }

    /** Replaces a user's keys. Idempotent on the agent; retried with the same request id. */
    public Uni<ResetSshResponse> resetSsh(String hostId, ResetSshRequest request, CallContext context) {
        return call(hostId, AgentRpc.SSH_RESET, withId(context), null,
                (client, options) -> client.resetSsh(request, options));
    }

    /**
     * Cleans the machine. Idempotent on the agent; retried with the same request id; its deadline is the
     * agent's operation budget plus a margin, and an agent 504 ("still running") is retried with the same
     * id within the retry budget. Failed steps come back as a result with {@code success} false, not as an error.
     */
    public Uni<CleanupMachineResponse> cleanupMachine(String hostId, CleanupMachineRequest request, CallContext context) {
        return call(hostId, AgentRpc.MACHINE_CLEANUP, withId(context), null,
                (client, options) -> client.cleanupMachine(request, options));
    }

    /** Mounts a dataset. Idempotent on the agent; retried with the same request id. */
    public Uni<MountDatasetResponse> mountDataset(String hostId, MountDatasetRequest request, CallContext context) {
        return call(hostId, AgentRpc.DATASET_MOUNT, withId(context), null,
                (client, options) -> client.mountDataset(request, options));
    }

    /** Unmounts a dataset. Idempotent on the agent; retried with the same request id. */
    public Uni<UnmountDatasetResponse> unmountDataset(String hostId, UnmountDatasetRequest request, CallContext context) {
        return call(hostId, AgentRpc.DATASET_UNMOUNT, withId(context), null,
                (client, options) -> client.unmountDataset(request, options));
    }

    /**
     * Runs a command. Its deadline is the command's timeout plus a margin; it is retried only when no
     * connection could be made (refused, no route), since a command is not idempotent once it ran.
     */
    public Uni<ExecuteCommandResponse> executeCommand(String hostId, ExecuteCommandRequest request, CallContext context) {
        Duration timeout = Duration.ofSeconds(request.timeoutSeconds() != null ? request.timeoutSeconds()
                : ExecuteCommandRequest.DEFAULT_TIMEOUT_SECONDS);
        return call(hostId, AgentRpc.COMMAND_EXEC, withId(context), timeout,
                (client, options) -> client.executeCommand(request, options));
    }

    /**
     * Pings the host once, now, without retries (through its breaker); never fails: an unreachable
     * agent is a result (reachable false, with the error), not an error. Records the agent's epoch.
     */
    public Uni<AgentHealth> checkAgentHealth(String hostId) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            return hosts.resolve(hostId)
                    .chain(address -> clients.callOnce(address, AgentRpc.PING, (client, options) -> client.ping(options)))
                    .call(pong -> hosts.agentEpochSeen(hostId, pong.epoch())
                            .onFailure().recoverWithNull())
                    .map(pong -> AgentHealth.up(hostId, Duration.ofNanos(System.nanoTime() - started), pong.epoch()))
                    .onFailure().recoverWithItem(e -> AgentHealth.down(hostId, Duration.ofNanos(System.nanoTime() - started), e.getMessage()))
                    .invoke(health -> clients.recordHealth(health.reachable()));
        });
    }

    /** Forgets what is cached of a host that was registered, deregistered or moved: its route, client and breaker. */
    public void forget(String hostId) {
        hosts.invalidate(hostId);
        clients.evict(hostId);
    }

    private <T> Uni<T> call(String hostId, AgentRpc operation, CallContext context, Duration agentBudget,
            BiFunction<AgentClient, CallOptions, Uni<T>> body) {
        Instant giveUpAt = context.retryFor() == null ? null : Instant.now().plus(context.retryFor());
        return call(hostId, operation, context, agentBudget, body, giveUpAt, 1);
    }

    /** One try (the client layer's few attempts), then, within the budget, another after a wait. */
    private <T> Uni<T> call(String hostId, AgentRpc operation, CallContext context, Duration agentBudget,
            BiFunction<AgentClient, CallOptions, Uni<T>> body, Instant giveUpAt, int round) {
        return Uni.createFrom().deferred(() -> hosts.resolve(hostId))
                .onFailure(e -> !(e instanceof UnknownHostIdException)).transform(e -> new HostLookupException(hostId, e))
                .chain(address -> clients.callWith(address, operation, context, agentBudget, body))
                .onFailure(AgentFencedException.class).recoverWithUni(e -> fenced(hostId, operation, context, agentBudget,
                        body, giveUpAt, round, (AgentFencedException) e))
                .onFailure(e -> giveUpAt != null && waitable(e)).recoverWithUni(e -> {
                    Duration wait = e instanceof AgentUnreachableException unreachable && unreachable.breakerOpen()
                            ? max(clients.untilTrial(hostId), clients.backoff(round))
                            : clients.backoff(round);
                    if (Instant.now().plus(wait).isAfter(giveUpAt)) {
                        Log.warnf("Giving up %s on host %s (request id %s) after retrying for %s: %s", operation.configName(),
                                hostId, context.requestId(), context.retryFor(), e.getMessage());
                        return Uni.createFrom().failure(e);
                    }
                    Log.warnf("%s on host %s (request id %s) failed: %s; trying again in %d ms (retry budget until %s)",
                            operation.configName(), hostId, context.requestId(), e.getMessage(), wait.toMillis(), giveUpAt);
                    return Uni.createFrom().voidItem()
                            .onItem().delayIt().by(wait)
                            .chain(() -> call(hostId, operation, context, agentBudget, body, giveUpAt, round + 1));
                });
    }

    /**
     * A stale-epoch refusal: the agent's epoch is recorded; if the refused epoch is still the host's own
     * (the store was behind the agent: a restored database, a host deregistered and registered again),
     * the host moves above the agent's and the call goes on under the new epoch (and a new request id,
     * since the refused one ran nothing), whether it serves an operation or is a pass-through call;
     * otherwise the refusal is the call's failure.
     */
    private <T> Uni<T> fenced(String hostId, AgentRpc operation, CallContext context, Duration agentBudget,
            BiFunction<AgentClient, CallOptions, Uni<T>> body, Instant giveUpAt, int round, AgentFencedException refusal) {
        Uni<Void> seen = hosts.agentEpochSeen(hostId, refusal.hostEpoch());
        if (context.epoch() == null) {
            return seen.chain(() -> Uni.createFrom().failure(refusal));
        }
        return seen
                .chain(() -> hosts.raiseOwnEpoch(hostId, context.epoch()))
                .chain(raised -> {
                    if (raised == null || raised <= refusal.hostEpoch()) {
                        Log.errorf("%s on host %s refused: epoch %d is stale (the agent is at %d) and the host has moved "
                                + "on; this operation no longer owns the host", operation.configName(), hostId,
                                context.epoch(), refusal.hostEpoch());
                        return Uni.createFrom().failure(refusal);
                    }
                    Log.warnf("%s on host %s refused: epoch %d is stale (the agent is at %d, the store was behind); "
                            + "the host's epoch is now %d and the call goes on under it", operation.configName(), hostId,
                            context.epoch(), refusal.hostEpoch(), raised);
                    // An operation's call goes on under a new id recorded in its payload; a pass-through call keeps
                    // the caller's id (the agent bound nothing to a refused one), so the caller's own retry with
                    // that id is answered by this run instead of running again.
                    CallContext next = context.log() != null
                            ? context.under(context.requestId() + "-e" + raised, raised)
                            : context.under(context.requestId(), raised);
                    // A pass-through call (exec, mounts, a task stop) has no operation log to note it in.
                    Uni<Void> noted = context.log() != null ? context.log().epochRaised(raised) : Uni.createFrom().voidItem();
                    return noted.chain(() -> call(hostId, operation, next, agentBudget, body, giveUpAt, round + 1));
                });
    }

    /** What a retry budget waits out: unreachable, timeout, 5xx, an open breaker, a store that failed. */
    private static boolean waitable(Throwable failure) {
        if (failure instanceof HostLookupException) {
            return true;
        }
        if (failure instanceof AgentUnreachableException unreachable) {
            return unreachable.reason() != AgentUnreachableException.Reason.DISABLED;
        }
        return failure instanceof AgentClientException client && client.retryable();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static CallContext withId(CallContext context) {
        return context.requestId() != null ? context
                : new CallContext(UUID.randomUUID().toString(), context.epoch(), context.log(), context.retryFor());
    }
}
