package io.fleetlink.controller;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.host.HostState;
import io.fleetlink.controller.host.Reachability;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.OperationType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The controller's own metrics, names in one place: operations by type and how they ended, pipeline
 * duration, outbox backlog, hosts by state and reachability. Tags are bounded enums, never ids.
 */
@ApplicationScoped
public class ControllerMetrics {

    public static final String OPERATIONS = "fleetlink.controller.operations";
    public static final String PIPELINE_DURATION = "fleetlink.controller.pipeline.duration";
    public static final String OUTBOX_BACKLOG = "fleetlink.controller.outbox.backlog";
    public static final String CALLBACKS = "fleetlink.controller.callbacks";
    public static final String HOSTS = "fleetlink.controller.hosts";

    private final MeterRegistry registry;
    private final AtomicLong outboxBacklog = new AtomicLong();
    private final Map<HostState, Map<Reachability, AtomicLong>> hosts = new EnumMap<>(HostState.class);

    public ControllerMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(OUTBOX_BACKLOG, outboxBacklog, AtomicLong::get)
                .description("Status events not yet delivered to the callback URL")
                .register(registry);
        for (HostState state : HostState.values()) {
            Map<Reachability, AtomicLong> byReachability = new EnumMap<>(Reachability.class);
            for (Reachability reachability : Reachability.values()) {
                AtomicLong count = new AtomicLong();
                byReachability.put(reachability, count);
                Gauge.builder(HOSTS, count, AtomicLong::get)
                        .description("Registered hosts by state and reachability")
                        .tag("state", state.name())
                        .tag("reachability", reachability.name())
                        .register(registry);
            }
            hosts.put(state, byReachability);
        }
    }

    /** One run of a pipeline ended; {@code status} RUNNING means it was handed over (lease lost or store error). */
    public void pipelineEnded(OperationType type, OperationStatus status, Duration duration) {
        Counter.builder(OPERATIONS)
                .description("Pipeline runs by operation type and the status they left the operation in")
                .tag("type", type.wireName())
                .tag("status", status.name())
                .register(registry)
                .increment();
        Timer.builder(PIPELINE_DURATION)
                .description("How long one run of a pipeline took")
                .tag("type", type.wireName())
                .tag("status", status.name())
                .register(registry)
                .record(duration);
    }

    /** One callback delivery attempt ended. */
    public void callbackAttempt(boolean delivered) {
        Counter.builder(CALLBACKS)
                .description("Callback delivery attempts by outcome")
                .tag("outcome", delivered ? "delivered" : "failed")
                .register(registry)
                .increment();
    }

    public void outboxBacklog(long events) {
        outboxBacklog.set(events);
    }

    /** Replaces the host counts; combinations missing from {@code counts} are zero. */
    public void hosts(Map<HostState, Map<Reachability, Long>> counts) {
        hosts.forEach((state, byReachability) -> byReachability.forEach((reachability, gauge) -> gauge.set(
                counts.getOrDefault(state, Map.of()).getOrDefault(reachability, 0L))));
    }
}
