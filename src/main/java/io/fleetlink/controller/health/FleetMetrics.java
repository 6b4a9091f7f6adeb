package io.fleetlink.controller.health;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.host.HostState;
import io.fleetlink.controller.host.Reachability;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The fleet as the last reachability sweep saw it: registered hosts by state and reachability. */
@ApplicationScoped
public class FleetMetrics {

    public static final String HOSTS = "fleetlink.controller.hosts";

    private final Map<HostState, Map<Reachability, AtomicLong>> hosts = new EnumMap<>(HostState.class);

    public FleetMetrics(MeterRegistry registry) {
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

    /** Replaces the host counts; combinations missing from {@code counts} are zero. */
    public void hosts(Map<HostState, Map<Reachability, Long>> counts) {
        hosts.forEach((state, byReachability) -> byReachability.forEach((reachability, gauge) -> gauge.set(
                counts.getOrDefault(state, Map.of()).getOrDefault(reachability, 0L))));
    }
}
