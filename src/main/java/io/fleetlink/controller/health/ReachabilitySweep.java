package io.fleetlink.controller.health;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.host.StoreHostDirectory;
import io.fleetlink.controller.store.Store;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Pings every registered host with bounded concurrency and records reachability with hysteresis:
 * one answer makes a host ONLINE, only {@code offline-after} consecutive failures make it OFFLINE.
 * Runs on one replica at a time: the lifecycle runs it only while it holds the sweep's job lease.
 */
@ApplicationScoped
public class ReachabilitySweep {

    private final Store store;
    private final HostRepository hosts;
    private final AgentCalls agents;
    private final ControllerConfig.Health config;
    private final FleetMetrics metrics;
    private final StoreHostDirectory directory;

    public ReachabilitySweep(Store store, HostRepository hosts, AgentCalls agents, ControllerConfig config,
            FleetMetrics metrics, StoreHostDirectory directory) {
        this.store = store;
        this.hosts = hosts;
        this.agents = agents;
        this.config = config.health();
        this.metrics = metrics;
        this.directory = directory;
    }

    /** One sweep over every host; the item is how many answered. */
    public Uni<Integer> sweep() {
        return hosts.list(store.pool())
                .onItem().transformToMulti(list -> Multi.createFrom().iterable(list))
                .onItem().transformToUni(host -> agents.checkAgentHealth(host.hostId())
                        .call(health -> directory.recordPing(host.hostId(), health.reachable()))
                        .map(health -> health.reachable())
                        .onFailure().recoverWithItem(e -> {
                            if (!io.fleetlink.controller.store.StoreFaults.isUnavailable(e)) { // an outage is logged once, elsewhere
                                Log.warnf("Reachability of host %s not recorded: %s", host.hostId(), e.getMessage());
                            }
                            return false;
                        }))
                .merge(config.concurrency())
                .collect().with(java.util.stream.Collectors.summingInt(up -> up ? 1 : 0))
                .call(this::refreshHostGauges);
    }

    /** Updates the hosts-by-state-and-reachability gauges. */
    public Uni<Void> refreshHostGauges() {
        return hosts.counts(store.pool())
                .invoke(metrics::hosts)
                .replaceWithVoid();
    }
}
