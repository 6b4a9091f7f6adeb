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

    public StoreHostDirectory(Store store, HostRepository hosts, ControllerConfig config, AgentLinkConfig link) {
        this.store = store;
        this.hosts = hosts;
        this.config = config;
        this.link = link;
    }

    @Override
    public Uni<HostAddress> resolve(String hostId) {
        // A store fault here is not the agent's: the lookup waits out a short outage (a restart) itself,
        // so a pipeline never records a store outage as a failed agent call.
        return Uni.createFrom().deferred(() -> hosts.find(store.pool(), hostId))
                .onFailure(io.fleetlink.controller.store.StoreFaults::isUnavailable).retry()
                .withBackOff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2))
                .expireIn(LOOKUP_RETRY_MS)
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

    @Override
    public Uni<Void> agentEpochSeen(String hostId, long agentEpoch) {
        return Uni.createFrom().deferred(() -> hosts.recordAgentEpoch(store.pool(), hostId, agentEpoch));
    }

    @Override
    public Uni<Long> raiseOwnEpoch(String hostId, long ownEpoch) {
        return store.inTransaction(tx -> hosts.raiseOwnEpoch(tx, hostId, ownEpoch));
    }
}
