package io.fleetlink.controller.operation;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Pipeline metrics: runs by operation type and the status they left the operation in, and how long a
 * run took. Tags are bounded enums, never ids.
 */
@ApplicationScoped
public class PipelineMetrics {

    public static final String OPERATIONS = "fleetlink.controller.operations";
    public static final String PIPELINE_DURATION = "fleetlink.controller.pipeline.duration";

    private final MeterRegistry registry;

    public PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
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
}
