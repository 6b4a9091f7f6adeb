package io.fleetlink.controller.host;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Hosts put in QUARANTINE, by reason class ({@link CleanupVerdict#reasonClass()}: {@code gpu-ecc},
 * {@code gpu-xid}, ..., {@code step-data}, {@code agent}); a bounded tag, never the host or the text.
 */
@ApplicationScoped
public class QuarantineMetrics {

    /** Counter: {@code fleetlink_controller_hosts_quarantined_total{reason}}. */
    public static final String QUARANTINED = "fleetlink.controller.hosts.quarantined";

    private final MeterRegistry registry;

    public QuarantineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void quarantined(CleanupVerdict verdict) {
        if (!verdict.isClean()) {
            registry.counter(QUARANTINED, "reason", verdict.reasonClass()).increment();
        }
    }
}
