package io.fleetlink.controller.client;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.protocol.AgentRpc;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;

/**
 * Every agent call the controller makes goes through here: one client (of the protocol
 * {@code agent.protocol} names) and one guard per host, created on first use and dropped with the host.
 * A call gets a deadline per attempt, retries with full-jitter backoff where that is safe, a circuit
 * breaker and a concurrency limit per host (one dead host fails fast and never holds the others'
 * slots), a global concurrency limit, one WARN line per failed attempt and the metrics in
 * {@link AgentMetrics}. Nothing here blocks: waiting is done by Mutiny timers and queues.
 */
@Startup
@ApplicationScoped
public class AgentClients {

    private static final TypeLiteral<Uni<Object>> UNI = new TypeLiteral<>() {
    };

    /** Extra time an attempt may spend queued for a slot before the caller stops waiting. */
    private static final Duration QUEUE_GRACE = Duration.ofSeconds(1);

    /** What the controller keeps per host. */
    private final class Host {
        final HostAddress address;
        final String credential;
        final Optional<String> execCredential;
        final AgentClient client;
        final TypedGuard<Uni<Object>> guard;
        volatile CircuitBreakerState breaker = CircuitBreakerState.CLOSED;
        volatile Instant openedAt = Instant.EPOCH;

        Host(HostAddress address, String credential, Optional<String> execCredential) {
            this.address = address;
            this.credential = credential;
            this.execCredential = execCredential;
            // With an exec credential, ExecuteCommand goes out on a client of its own that presents it.
            this.client = execCredential.isEmpty() ? create(address, credential)
                    : new ExecCredentialClient(create(address, credential), create(address, execCredential.get()));
            this.guard = TypedGuard.create(UNI)
                    .withCircuitBreaker()
                        .requestVolumeThreshold(config.breaker().requestVolumeThreshold())
                        .failureRatio(config.breaker().failureRatio())
                        .delay(config.breaker().delay().toMillis(), ChronoUnit.MILLIS)
                        .successThreshold(config.breaker().successThreshold())
                        .when(AgentClients::countsAgainstHost)
                        .onStateChange(this::onBreakerState)
                        .done()
                    .withBulkhead()
                        .limit(config.maxConcurrencyPerHost())
                        .queueSize(Math.max(1, config.maxQueued()))
                        .done()
                    .build();
        }

        private void onBreakerState(CircuitBreakerState state) {
            if (state == CircuitBreakerState.OPEN) {
                openedAt = Instant.now();
                Log.warnf("Circuit breaker for agent %s opened after repeated failures; calls fail fast until %s",
                        address.hostId(), openedAt.plus(config.breaker().delay()));
            } else if (state == CircuitBreakerState.CLOSED && breaker != CircuitBreakerState.CLOSED) {
                Log.infof("Circuit breaker for agent %s closed: the agent answers again", address.hostId());
            }
            breaker = state;
        }
    }

    private final AgentLinkConfig link;
    private final ControllerConfig config;
    private final ControllerAgentToken token;
    private final ObjectMapper json;
    private final AgentTls tls;
    private final MeterRegistry registry;
    private final CallPolicy policy;
    private final TypedGuard<Uni<Object>> fleetLimit;
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<AgentRpc, Map<String, Timer>> timers = new java.util.EnumMap<>(AgentRpc.class);
    private final Map<AgentRpc, Counter> retryCounters = new ConcurrentHashMap<>();
    private final io.netty.channel.EventLoopGroup grpcLoops;
    private final Counter healthUp;
    private final Counter healthDown;

    public AgentClients(AgentLinkConfig link, ControllerConfig config, ControllerAgentToken token, ObjectMapper json,
            AgentTls tls, MeterRegistry registry) {
        this(link, config, token, json, tls, registry, null);
    }

    /** With {@code vertx}: gRPC channels share its event loops (NIO transport only) instead of starting their own. */
    @jakarta.inject.Inject
    public AgentClients(AgentLinkConfig link, ControllerConfig config, ControllerAgentToken token, ObjectMapper json,
            AgentTls tls, MeterRegistry registry, io.vertx.core.Vertx vertx) {
        this.grpcLoops = vertx != null && !vertx.isNativeTransportEnabled() ? vertx.nettyEventLoopGroup() : null;
        this.link = link;
        this.config = config;
        this.token = token;
        this.json = json;
        this.tls = tls;
        this.registry = registry;
        this.policy = new CallPolicy(link, config);
        this.fleetLimit = TypedGuard.create(UNI)
                .withBulkhead()
                    .limit(config.maxConcurrency())
                    .queueSize(Math.max(1, config.maxQueued()))
                    .done()
                .build();
        for (AgentRpc operation : AgentRpc.values()) {
            timers.put(operation, new ConcurrentHashMap<>());
        }
        this.healthUp = Counter.builder(AgentMetrics.HEALTH_CHECKS).tag(AgentMetrics.TAG_RESULT, "up").register(registry);
        this.healthDown = Counter.builder(AgentMetrics.HEALTH_CHECKS).tag(AgentMetrics.TAG_RESULT, "down").register(registry);
        registry.gauge(AgentMetrics.IN_FLIGHT, inFlight);
        registry.gauge(AgentMetrics.BREAKERS_OPEN, hosts,
                all -> all.values().stream().filter(h -> h.breaker != CircuitBreakerState.CLOSED).count());
    }

    /**
     * Runs one operation against {@code host} with the full policy.
     *
     * @param requestId the request id of a mutation (kept across retries), null for reads
     * @param execTimeoutSeconds the command's own timeout for exec calls, else null
     * @return the result, or a failure that is always an {@link AgentClientException}
     */
    public <T> Uni<T> call(HostAddress host, AgentRpc operation, String requestId, Integer execTimeoutSeconds,
            BiFunction<AgentClient, CallOptions, Uni<T>> body) {
        return callWith(host, operation, CallContext.of(requestId, null),
                execTimeoutSeconds == null ? null : Duration.ofSeconds(execTimeoutSeconds), body);
    }

    /**
     * Runs one operation against {@code host} with the full policy, under the context's request id and
     * epoch, reporting every attempt to the context's attempt log.
     *
     * @param agentBudget what the call may take at the agent (exec's timeout, a stop's grace), or null
     * @return the result, or a failure that is always an {@link AgentClientException}
     */
    public <T> Uni<T> callWith(HostAddress host, AgentRpc operation, CallContext context, Duration agentBudget,
            BiFunction<AgentClient, CallOptions, Uni<T>> body) {
        return call(host, operation, context, agentBudget, policy.maxAttempts(), body);
    }

    /** One attempt only, through the breaker: what a health probe needs, an honest answer now. */
    public <T> Uni<T> callOnce(HostAddress host, AgentRpc operation, BiFunction<AgentClient, CallOptions, Uni<T>> body) {
        return call(host, operation, CallContext.of(null, null), null, 1, body);
    }

    /**
     * How long until {@code hostId}'s open breaker lets a trial call through; zero when it is closed
     * (or half-open). What a retry budget waits instead of failing on an open breaker.
     */
    public Duration untilTrial(String hostId) {
        Host entry = hosts.get(hostId);
        if (entry == null || entry.breaker != CircuitBreakerState.OPEN) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(Instant.now(), entry.openedAt.plus(config.breaker().delay()));
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** The wait before retry {@code attempt + 1} of a budgeted call: the client layer's full-jitter backoff. */
    public Duration backoff(int attempt) {
        return policy.backoff(attempt);
    }

    private <T> Uni<T> call(HostAddress host, AgentRpc operation, CallContext context, Duration agentBudget,
            int maxAttempts, BiFunction<AgentClient, CallOptions, Uni<T>> body) {
        return Uni.createFrom().deferred(() -> {
            if (!link.enabled()) {
                return Uni.createFrom().failure(new AgentUnreachableException(host.hostId(), operation,
                        AgentUnreachableException.Reason.DISABLED, "agent communication is disabled (agent.enabled=false)", null));
            }
            Host entry = entry(host);
            CallOptions options = CallOptions.of(policy.timeout(operation, agentBudget), context.requestId(), context.epoch());
            long started = System.nanoTime();
            inFlight.incrementAndGet();
            return attempt(entry, operation, options, context, body, 1, maxAttempts)
                    .onItemOrFailure().invoke((item, failure) -> timer(operation, outcome(failure))
                            .record(Duration.ofNanos(System.nanoTime() - started)))
                    .onTermination().invoke(inFlight::decrementAndGet);
        });
    }

    /**
     * The cached client for {@code host}, without deadline, retries or breaker. Package-private so
     * production code cannot bypass the guard; the contract tests use it to check the per-host cache.
     */
    AgentClient forHost(HostAddress host) {
        return entry(host).client;
    }

    /** Closes and forgets the client and breaker of a host that went away. */
    public void evict(String hostId) {
        Host entry = hosts.remove(hostId);
        if (entry != null) {
            entry.client.close();
        }
    }

    public AgentLinkConfig.Protocol protocol() {
        return link.protocol();
    }

    /** The breaker state of a host; CLOSED for a host never called. */
    public CircuitBreakerState breakerState(String hostId) {
        Host entry = hosts.get(hostId);
        return entry == null ? CircuitBreakerState.CLOSED : entry.breaker;
    }

    /** Records the result of a health check in the health metric. */
    public void recordHealth(boolean reachable) {
        (reachable ? healthUp : healthDown).increment();
    }

    @PreDestroy
    void closeAll() {
        hosts.values().forEach(entry -> entry.client.close());
        hosts.clear();
    }

    @SuppressWarnings("unchecked")
    private <T> Uni<T> attempt(Host host, AgentRpc operation, CallOptions options, CallContext context,
            BiFunction<AgentClient, CallOptions, Uni<T>> body, int attempt, int maxAttempts) {
        Instant attemptStarted = Instant.now();
        // The per-attempt deadline fires inside the host's guard on both transports, so a stalled agent
        // counts against its breaker whether it speaks HTTP or gRPC; the outer one only bounds the wait
        // for a free slot.
        Uni<Object> guarded = fleetLimit.get(() -> host.guard.get(() -> ((Uni<Object>) body.apply(host.client, options))
                .ifNoItem().after(options.timeout()).failWith(() -> new AgentTimeoutException(host.address.hostId(),
                        operation, "no answer within " + options.timeout().toMillis() + " ms", null))));
        return ((Uni<T>) guarded)
                .ifNoItem().after(options.timeout().plus(QUEUE_GRACE)).failWith(() -> new AgentTimeoutException(
                        host.address.hostId(), operation, "no answer within " + options.timeout().toMillis()
                                + " ms (the call may have waited for a free slot)", null))
                .onFailure().transform(failure -> classify(host, operation, failure))
                .call(item -> record(context, operation, options, attemptStarted, AgentMetrics.SUCCESS, null))
                .onFailure().call(failure -> record(context, operation, options, attemptStarted,
                        ((AgentClientException) failure).outcome(), failure.getMessage()))
                .onFailure().recoverWithUni(failure -> {
                    AgentClientException error = (AgentClientException) failure;
                    boolean again = attempt < maxAttempts && policy.retryable(operation, error);
                    Duration backoff = again ? policy.backoff(attempt) : Duration.ZERO;
                    Log.warnf("Agent call failed: host=%s operation=%s request_id=%s epoch=%s attempt=%d/%d outcome=%s: %s%s",
                            host.address.hostId(), operation.configName(), options.requestId().orElse("-"),
                            options.epoch().isPresent() ? Long.toString(options.epoch().getAsLong()) : "-",
                            attempt, maxAttempts, error.outcome(), error.getMessage(),
                            again ? "; retrying in " + backoff.toMillis() + " ms" : "; giving up");
                    if (!again) {
                        return Uni.createFrom().failure(error);
                    }
                    retries(operation).increment();
                    return Uni.createFrom().voidItem()
                            .onItem().delayIt().by(backoff)
                            .chain(() -> attempt(host, operation, options, context, body, attempt + 1, maxAttempts));
                });
    }

    /** Hands one attempt to the context's attempt log; a log that fails is logged, never the call's failure. */
    private static Uni<Void> record(CallContext context, AgentRpc operation, CallOptions options, Instant started,
            String outcome, String error) {
        if (context.log() == null) {
            return Uni.createFrom().voidItem();
        }
        CallAttempt attempt = new CallAttempt(operation, options.requestId().orElse(null),
                options.epoch().isPresent() ? options.epoch().getAsLong() : null, started, Instant.now(), outcome, error);
        return Uni.createFrom().deferred(() -> context.log().attempted(attempt))
                .onFailure().recoverWithUni(e -> {
                    Log.warnf("Cannot record an attempt of %s (request id %s): %s", operation.configName(),
                            attempt.requestId(), e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    private AgentClientException classify(Host host, AgentRpc operation, Throwable failure) {
        String hostId = host.address.hostId();
        if (failure instanceof CircuitBreakerOpenException) {
            return AgentUnreachableException.breakerOpen(hostId, operation, "circuit breaker open after repeated failures; "
                    + "calls fail fast until " + host.openedAt.plus(config.breaker().delay()) + ", then one trial call is let through");
        }
        if (failure instanceof BulkheadException) {
            return new AgentUnreachableException(hostId, operation, AgentUnreachableException.Reason.SHED, "too many calls waiting (fleetlink.controller.max-concurrency, "
                    + "max-concurrency-per-host, max-queued); the controller sheds this one", failure);
        }
        return TransportFailures.classify(hostId, operation, failure, tls.trustStore().isPresent());
    }

    /** Only faults of the host itself count against its breaker: a 4xx is the caller's mistake. */
    private static boolean countsAgainstHost(Throwable failure) {
        if (failure instanceof AgentClientException client) {
            return client.retryable();
        }
        return !(failure instanceof BulkheadException);
    }

    private Host entry(HostAddress address) {
        // The host's token now: a rotated secret or token file makes a fresh client on the next call.
        String credential = token.forHost(address.hostId());
        Optional<String> execCredential = token.forExec(address.hostId());
        return hosts.compute(address.hostId(), (id, existing) -> {
            if (existing != null && existing.address.equals(address) && existing.credential.equals(credential)
                    && existing.execCredential.equals(execCredential)) {
                return existing;
            }
            if (existing != null) {
                existing.client.close();
            }
            return new Host(address, credential, execCredential);
        });
    }

    private AgentClient create(HostAddress host, String credential) {
        return switch (link.protocol()) {
            case HTTP -> HttpAgentClient.withTls(host, credential, json, tls.httpTls(host), link.timeout());
            case GRPC -> new GrpcAgentClient(host, credential, tls.grpcSslContext(host), grpcLoops);
        };
    }

    private Timer timer(AgentRpc operation, String outcome) {
        // Built once per operation and outcome: a meter looked up by its tags on every call cost more than
        // the rest of the bookkeeping together.
        return timers.get(operation).computeIfAbsent(outcome, o -> Timer.builder(AgentMetrics.REQUESTS)
                .description("Agent calls by operation, protocol and outcome, retries included")
                .tag(AgentMetrics.TAG_OPERATION, operation.configName())
                .tag(AgentMetrics.TAG_PROTOCOL, link.protocol().configName())
                .tag(AgentMetrics.TAG_OUTCOME, o)
                .publishPercentileHistogram()
                .register(registry));
    }

    private Counter retries(AgentRpc operation) {
        return retryCounters.computeIfAbsent(operation, op -> Counter.builder(AgentMetrics.RETRIES)
                .description("Agent call attempts repeated after a retryable failure")
                .tag(AgentMetrics.TAG_OPERATION, op.configName())
                .tag(AgentMetrics.TAG_PROTOCOL, link.protocol().configName())
                .register(registry));
    }

    private static String outcome(Throwable failure) {
        if (failure == null) {
            return AgentMetrics.SUCCESS;
        }
        return failure instanceof AgentClientException client ? client.outcome() : "unreachable";
    }
}
