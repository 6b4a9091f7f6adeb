package io.fleetlink.controller.callback;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Callback metrics: delivery attempts by outcome, and the outbox backlog. */
@ApplicationScoped
public class CallbackMetrics {

    public static final String OUTBOX_BACKLOG = "fleetlink.controller.outbox.backlog";
    public static final String CALLBACKS = "fleetlink.controller.callbacks";

    private final MeterRegistry registry;
    private final AtomicLong outboxBacklog = new AtomicLong();

    public CallbackMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(OUTBOX_BACKLOG, outboxBacklog, AtomicLong::get)
                .description("Status events not yet delivered to the callback URL")
                .register(registry);
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
}
