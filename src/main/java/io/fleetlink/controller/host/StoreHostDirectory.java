package io.fleetlink.controller.host;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.controller.client.HostAddress;
import io.fleetlink.controller.client.HostDirectory;
import io.fleetlink.controller.client.UnknownHostIdException;
import io.fleetlink.controller.store.Store;
import io.smallrye.mutiny.Uni;

/**
 * The controller's host registry as the {@link HostDirectory} agent calls resolve through: hosts
 * registered with {@code POST /api/v1/hosts}, then hosts listed in {@code fleetlink.controller.hosts}.
 */
@ApplicationScoped
public class StoreHostDirectory implements HostDirectory {

    /** How long a host lookup retries a store fault before failing with it. */
    static final long LOOKUP_RETRY_MS = 20_000;

    private final Store store;
    private final HostRepository hosts;
    private final ControllerConfig config;
    private final AgentLinkConfig link;
    private final HostDirectoryCache cache;

    public StoreHostDirectory(Store store, HostRepository hosts, ControllerConfig config, AgentLinkConfig link) {
        this.store = store;
        this.hosts = hosts;
        this.config = config;
        this.link = link;
        this.cache = new HostDirectoryCache(config.hostCacheTtl(), System::nanoTime);
    }

    @Override
    public Uni<HostAddress> resolve(String hostId) {
        // A store fault here is not the agent's: the lookup waits out a short outage (a restart) itself,
        // so a pipeline never records a store outage as a failed agent call.
        return cache.get(hostId, () -> Uni.createFrom().deferred(() -> hosts.find(store.pool(), hostId))
                        .onFailure(io.fleetlink.controller.store.StoreFaults::isUnavailable).retry()
                        .withBackOff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2))
                        .expireIn(LOOKUP_RETRY_MS))
                .map(host -> {
                    if (host != null) {
                        return new HostAddress(hostId, host.address(),
                                host.httpPort() != null ? host.httpPort() : link.httpPort(),
                                host.grpcPort() != null ? host.grpcPort() : link.grpcPort());
                    }
                    ControllerConfig.StaticHost configured = config.hosts().get(hostId);
                    if (configured == null) {
                        throw new UnknownHostIdException(hostId);
                    }
                    return new HostAddress(hostId, configured.address(),
                            configured.httpPort().orElse(link.httpPort()), configured.grpcPort().orElse(link.grpcPort()));
                });
    }

    /**
     * Whether the store holds {@code hostId} (registered, not only configured), as this replica knows it:
     * within {@code fleetlink.controller.host-cache-ttl} of its last read, or read now. A store fault fails
     * the Uni at once (no retry: the caller answers the API).
     */
    public Uni<Boolean> registered(String hostId) {
        return cache.get(hostId, () -> hosts.find(store.pool(), hostId)).map(known -> known != null);
    }

    /**
     * Reads {@code hostId}'s row from the store now (a fenced call's epoch must be current), refreshing what
     * this replica knows of its route, so the call that follows goes where the row says; null when the
     * store does not hold the host.
     */
    public Uni<Host> readFresh(String hostId) {
        return Uni.createFrom().deferred(() -> {
            long version = cache.version();
            return hosts.find(store.pool(), hostId)
                    .invoke(host -> cache.observed(hostId, HostDirectoryCache.Known.of(host), version));
        });
    }

    @Override
    public void invalidate(String hostId) {
        cache.invalidate(hostId);
    }

    @Override
    public Uni<Void> agentEpochSeen(String hostId, long agentEpoch) {
        // The store never lowers agent_epoch: when it is known to hold this much already, the write would
        // change nothing (one store round trip less on every ping).
        if (cache.agentEpochKnown(hostId, agentEpoch)) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().deferred(() -> hosts.recordAgentEpoch(store.pool(), hostId, agentEpoch))
                .invoke(() -> cache.agentEpochRecorded(hostId, agentEpoch));
    }

    /**
     * Records a ping of {@code hostId} ({@link HostRepository#recordPing}), except an answer when this
     * replica already recorded one within {@code host-cache-ttl} and no failure since: {@code last_seen}
     * then moves in steps of up to that ttl instead of with every health call. A failure is always written
     * (it counts toward OFFLINE).
     */
    public Uni<Void> recordPing(String hostId, boolean reachable) {
        if (reachable && cache.onlineRecordedRecently(hostId)) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().deferred(() -> hosts.recordPing(store.pool(), hostId, reachable,
                        config.health().offlineAfter(), io.fleetlink.controller.store.Sql.now()))
                .invoke(() -> cache.reachabilityRecorded(hostId, reachable));
    }

    @Override
    public Uni<Long> raiseOwnEpoch(String hostId, long ownEpoch) {
        return store.inTransaction(tx -> hosts.raiseOwnEpoch(tx, hostId, ownEpoch));
    }
}
