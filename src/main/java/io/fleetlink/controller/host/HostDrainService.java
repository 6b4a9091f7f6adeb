package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.callback.OutboxRepository;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

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
        return flip(hostId, request, CallbackEvent.HOST_DRAINED,
                (tx, now) -> hosts.drain(tx, hostId, request.reason(), now),
                (host, changed) -> Log.infof("host %s drained (%s), state %s%s", hostId,
                        changed ? "new" : "reason replaced", host.state(),
                        host.allocationId() != null ? ", allocation " + host.allocationId() + " runs to release" : ""));
    }

    /** Clears the drain: the host can be allocated again; {@code host.undrained} when it was drained. */
    public Uni<Host> undrain(String hostId, DrainHostRequest request) {
        return flip(hostId, request, CallbackEvent.HOST_UNDRAINED,
                (tx, now) -> hosts.undrain(tx, hostId, now),
                (host, changed) -> Log.infof("host %s undrained%s", hostId, changed ? "" : " (was not drained)"));
    }

    /**
     * One transaction: the host must exist, {@code change} sets or clears the flag (its item says whether
     * it changed), the callback {@code event} is queued only when it did; then the host as it is now.
     */
    private Uni<Host> flip(String hostId, DrainHostRequest request, String event,
            BiFunction<SqlConnection, Instant, Uni<Boolean>> change, BiConsumer<Host, Boolean> log) {
        return Uni.createFrom().deferred(() -> {
            HostService.validHostId(hostId);
            checks.valid(request);
            return store.inTransaction(tx -> hosts.find(tx, hostId)
                    .chain(host -> {
                        if (host == null) {
                            return Uni.createFrom().failure(HostService.notFound(hostId));
                        }
                        Instant now = Sql.now();
                        return change.apply(tx, now)
                                .call(changed -> changed
                                        ? outbox.add(tx, CallbackEvent.host(event, hostId, host.state().name(),
                                                request.reason(), now))
                                        : Uni.createFrom().voidItem())
                                .invoke(changed -> log.accept(host, changed))
                                .chain(() -> hosts.find(tx, hostId));
                    }));
        });
    }
}
