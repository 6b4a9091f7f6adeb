package io.fleetlink.controller.fanout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.FanOutConfig;
import io.fleetlink.controller.api.ControllerException;
import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.client.CallContext;
import io.fleetlink.controller.host.Host;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.store.Store;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.web.RequestIds;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Fleet exec: one command on many hosts at once, what operators use pssh, clush or Salt for. Hosts are
 * named or selected by label, called at most {@code concurrency} at a time through the same client layer
 * as a single exec (breaker, deadline, retry on a refused connection only), and the whole call ends by one
 * deadline: a host without a result by then is reported as such, never waited for. Results stream out as
 * hosts finish; nothing is stored.
 */
@ApplicationScoped
public class FleetExec {

    private final Store store;
    private final HostRepository hosts;
    private final AgentCalls agents;
    private final RequestChecks checks;
    private final ControllerConfig controller;
    private final FanOutConfig limits;

    public FleetExec(Store store, HostRepository hosts, AgentCalls agents, RequestChecks checks,
            ControllerConfig controller, FanOutConfig limits) {
        this.store = store;
        this.hosts = hosts;
        this.agents = agents;
        this.checks = checks;
        this.controller = controller;
        this.limits = limits;
    }

    /** A checked request and the hosts it targets, in host id order; nothing has run yet. */
    public record Plan(FleetExecRequest request, List<Target> targets, String requestId) {
    }

    /** A host to call, with the fencing epoch its call carries (the host's as the plan read it). */
    public record Target(String hostId, long epoch) {
    }

    /**
     * Checks the request and resolves its hosts. Fails with a 400 for a malformed request and a 404
     * for unknown host ids or a selector that matches nothing, before any host is called.
     */
    public Uni<Plan> plan(FleetExecRequest request, String requestId) {
        return Uni.createFrom().deferred(() -> {
            checks.valid(request);
            boolean named = request.hostIds() != null && !request.hostIds().isEmpty();
            boolean selected = request.selector() != null;
            if (named == selected) {
                throw ControllerException.invalid("host_ids", "give exactly one of host_ids (a non-empty list) or selector");
            }
            HostSelector selector = selected ? HostSelector.parse(request.selector()) : null;
            String checkedId = requestId == null || requestId.isEmpty()
                    ? null
                    : RequestChecks.id(RequestIds.HEADER, requestId, RequestIds.PATTERN, RequestIds.RULE);
            deadline(request); // a deadline beyond the limit is refused before anything runs
            return hosts.list(store.pool()).map(registered -> {
                List<String> chosen = named ? named(request.hostIds(), registered) : selected(selector, request.selector(), registered);
                Map<String, Long> epochs = registered.stream().collect(Collectors.toMap(Host::hostId, Host::epoch));
                List<Target> targets = chosen.stream().map(id -> new Target(id, epochs.get(id))).toList();
                return new Plan(request, targets, checkedId);
            });
        });
    }

    /** Runs a plan; each host's result is emitted as it finishes, in no particular order. */
    public Multi<HostExecResult> run(Plan plan) {
        ExecuteCommandRequest command = plan.request().toCommand();
        Duration deadline = deadline(plan.request());
        long deadlineAt = System.nanoTime() + deadline.toNanos();
        int concurrency = Math.min(plan.request().concurrency() != null ? plan.request().concurrency() : limits.concurrency(),
                limits.maxConcurrency());
        return Multi.createFrom().iterable(plan.targets())
                .onItem().transformToUni(target -> one(target.hostId(), command,
                        CallContext.of(hostRequestId(plan.requestId(), target.hostId()), target.epoch()), deadlineAt, deadline))
                .merge(concurrency);
    }

    /** Runs a plan to the end: every host's result by host id, and the counts. */
    public Uni<FleetExecResult> runAll(Plan plan) {
        long started = System.nanoTime();
        return run(plan).collect().asList()
                .map(results -> {
                    List<HostExecResult> sorted = new ArrayList<>(results);
                    sorted.sort(Comparator.comparing(HostExecResult::hostId));
                    return new FleetExecResult(FleetExecSummary.of(sorted, elapsedMs(started)), List.copyOf(sorted));
                });
    }

    private Uni<HostExecResult> one(String hostId, ExecuteCommandRequest command, CallContext context, long deadlineAt,
            Duration deadline) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            long left = deadlineAt - started;
            if (left <= 0) {
                return Uni.createFrom().item(HostExecResult.error(hostId,
                        "not started: the call's deadline (" + deadline.toSeconds() + "s) passed while earlier hosts ran; "
                                + "raise concurrency or deadline_seconds", 0));
            }
            return agents.executeCommand(hostId, command, context)
                    .ifNoItem().after(Duration.ofNanos(left)).failWith(TimeoutException::new)
                    .map(response -> HostExecResult.of(hostId, response, elapsedMs(started)))
                    .onFailure().recoverWithItem(failure -> HostExecResult.error(hostId, describe(failure, deadline),
                            elapsedMs(started)));
        });
    }

    private Duration deadline(FleetExecRequest request) {
        Duration deadline = request.deadlineSeconds() != null
                ? Duration.ofSeconds(request.deadlineSeconds())
                : Duration.ofSeconds(request.effectiveTimeoutSeconds()).plus(controller.execTimeoutMargin());
        if (deadline.compareTo(limits.maxDeadline()) > 0) {
            throw ControllerException.invalid("deadline_seconds", "must be at most " + limits.maxDeadline().toSeconds()
                    + " (fleetlink.controller.fan-out.max-deadline)" + (request.deadlineSeconds() == null
                            ? "; the default is timeout_seconds plus fleetlink.controller.exec-timeout-margin" : ""));
        }
        return deadline;
    }

    private static List<String> named(List<String> hostIds, List<Host> registered) {
        Set<String> known = new LinkedHashSet<>();
        registered.forEach(host -> known.add(host.hostId()));
        Set<String> wanted = new LinkedHashSet<>(hostIds);
        List<String> unknown = wanted.stream().filter(id -> !known.contains(id)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw ControllerException.notFound("host_ids: not registered: " + String.join(", ", unknown)
                    + "; nothing was run");
        }
        return wanted.stream().sorted().toList();
    }

    private static List<String> selected(HostSelector selector, String text, List<Host> registered) {
        List<String> matched = registered.stream()
                .filter(host -> selector.matches(host.labels()))
                .map(Host::hostId)
                .sorted()
                .toList();
        if (matched.isEmpty()) {
            throw ControllerException.notFound("selector: no registered host matches '" + text + "'; nothing was run");
        }
        return matched;
    }

    /**
     * The request id each host gets: derived from the caller's, so a retried fan-out with the same
     * {@code X-Request-Id} is answered by each agent from its first run instead of running again.
     */
    static String hostRequestId(String requestId, String hostId) {
        if (requestId == null) {
            return null; // the client layer makes a fresh one per host
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((requestId + "\n" + hostId).getBytes(StandardCharsets.UTF_8));
            return "fx-" + HexFormat.of().formatHex(digest, 0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String describe(Throwable failure, Duration deadline) {
        if (failure instanceof TimeoutException) {
            return "no result within the call's deadline (" + deadline.toSeconds() + "s); the command may still be "
                    + "running on the host";
        }
        return failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
