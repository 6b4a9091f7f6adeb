package io.fleetlink.controller.host;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.callback.OutboxRepository;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Drain and undrain (Slurm's drain, Kubernetes' cordon): a drained host takes no new allocation
 * while the one it holds runs to its release. The flag, its reason and the callback are written in
 * one transaction; the host's state machine is not touched.
 */
@ApplicationScoped
public class HostDrainService {

    private final Store store;
    private final HostRepository hosts;
    private final OutboxRepository outbox;
    private final RequestChecks checks;

    public HostDrainService(Store store, HostRepository hosts, OutboxRepository outbox, RequestChecks checks) {
        this.store = store;
        this.hosts = hosts;
        this.outbox = outbox;
        this.checks = checks;
    }

    /**
     * Drains the host: {@code host.drained} is sent when it was not drained before; a repeated drain
     * only replaces the reason. The host is returned as it is now.
     */
    public Uni<Host> drain(String hostId, DrainHostRequest request) {
        return Uni.createFrom().deferred(() -> {
            HostService.validHostId(hostId);
            checks.valid(request);
            return store.inTransaction(tx -> hosts.find(tx, hostId)
                    .chain(host -> {
                        if (host == null) {
                            return Uni.createFrom().failure(HostService.notFound(hostId));
                        }
                        var now = Sql.now();
                        return hosts.drain(tx, hostId, request.reason(), now)
                                .call(changed -> changed
                                        ? outbox.add(tx, CallbackEvent.host(CallbackEvent.HOST_DRAINED, hostId,
                                                host.state().name(), request.reason(), now))
                                        : Uni.createFrom().voidItem())
                                .invoke(changed -> Log.infof("host %s drained (%s), state %s%s", hostId,
                                        changed ? "new" : "reason replaced", host.state(),
                                        host.allocationId() != null ? ", allocation " + host.allocationId() + " runs to release" : ""))
                                .chain(() -> hosts.find(tx, hostId));
                    }));
        });
    }

    /** Clears the drain: the host can be allocated again; {@code host.undrained} when it was drained. */
    public Uni<Host> undrain(String hostId, DrainHostRequest request) {
        return Uni.createFrom().deferred(() -> {
            HostService.validHostId(hostId);
            checks.valid(request);
            return store.inTransaction(tx -> hosts.find(tx, hostId)
                    .chain(host -> {
                        if (host == null) {
                            return Uni.createFrom().failure(HostService.notFound(hostId));
                        }
                        var now = Sql.now();
                        return hosts.undrain(tx, hostId, now)
                                .call(changed -> changed
                                        ? outbox.add(tx, CallbackEvent.host(CallbackEvent.HOST_UNDRAINED, hostId,
                                                host.state().name(), request.reason(), now))
                                        : Uni.createFrom().voidItem())
                                .invoke(changed -> Log.infof("host %s undrained%s", hostId, changed ? "" : " (was not drained)"))
                                .chain(() -> hosts.find(tx, hostId));
                    }));
        });
    }
}
