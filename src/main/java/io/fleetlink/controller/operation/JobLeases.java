package io.fleetlink.controller.operation;

import static io.fleetlink.controller.store.Sql.params;
import static io.fleetlink.controller.store.Sql.ts;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Fleet-wide jobs run by one replica at a time: before each run a replica takes or renews the job's
 * lease row ({@code job_leases}) in one conditional UPDATE; it runs the job only while it holds it.
 * The holder renews on every run, so it keeps the job; when it dies, another replica takes the job
 * once the lease lapses.
 */
@ApplicationScoped
public class JobLeases {

    /** The reachability sweep. */
    public static final String REACHABILITY_SWEEP = "reachability-sweep";
    /** The outbox sender. */
    public static final String CALLBACK_SENDER = "callback-sender";

    private final Store store;
    private final ReplicaIdentity replica;
    private final java.util.Map<String, Boolean> held = new java.util.concurrent.ConcurrentHashMap<>();

    public JobLeases(Store store, ReplicaIdentity replica) {
        this.store = store;
        this.replica = replica;
    }

    /** Takes or renews {@code job} for {@code lease}; the item says whether this replica holds it now. */
    public Uni<Boolean> hold(String job, Duration lease) {
        return hold(job, replica.id(), Sql.now(), lease);
    }

    /** {@link #hold(String, Duration)} for a named holder at {@code now}. */
    public Uni<Boolean> hold(String job, String holder, Instant now, Duration lease) {
        return Sql.update(store.pool(), "UPDATE job_leases SET holder = #{holder}, lease_until = #{until} "
                + "WHERE job_name = #{job} AND (holder = #{holder} OR lease_until < #{now})",
                params("job", job, "holder", holder, "now", ts(now), "until", ts(now.plus(lease))))
                .map(count -> count == 1)
                .invoke(holds -> {
                    Boolean before = held.put(job + "/" + holder, holds);
                    if (!holds.equals(before) && (holds || before != null)) {
                        Log.infof("Replica %s %s the %s job", holder, holds ? "runs" : "no longer runs", job);
                    }
                });
    }

    /** Gives up every job this replica holds, so another takes them at once (a graceful stop). */
    public Uni<Void> releaseAll() {
        return Sql.update(store.pool(), "UPDATE job_leases SET holder = NULL, lease_until = #{past} WHERE holder = #{holder}",
                params("holder", replica.id(), "past", ts(Instant.parse("2000-01-01T00:00:00Z"))))
                .replaceWithVoid();
    }
}
