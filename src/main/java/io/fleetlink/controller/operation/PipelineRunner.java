package io.fleetlink.controller.operation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.StoreConfig;
import io.fleetlink.controller.client.Backoff;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.fleetlink.controller.store.StoreFaults;
import io.fleetlink.controller.store.StoreOutage;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Runs operations: claims them under a lease, runs their type's {@link Pipeline}, keeps the lease
 * alive while they run, and resumes operations nobody is doing (PENDING and due, or RUNNING under an
 * expired lease). A run that fails on a store fault (its outcome write, a read it needs) is run again
 * by this replica, which still owns it, with backoff, instead of waiting for its lease to lapse. At
 * start-up a replica reclaims the operations its predecessor under the same name left RUNNING (on
 * H2, every RUNNING one). {@link #launch} is the one place a fire-and-forget pipeline is subscribed.
 */
@ApplicationScoped
public class PipelineRunner {

    private final Store store;
    private final OperationRepository operations;
    private final Instance<Pipeline> pipelineBeans;
    private final ReplicaIdentity replica;
    private final ControllerConfig.Pipeline config;
    private final PipelineMetrics metrics;
    private final StoreOutage outage;
    private final Backoff storeBackoff;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private volatile Map<OperationType, Pipeline> pipelines;

    public PipelineRunner(Store store, OperationRepository operations, Instance<Pipeline> pipelineBeans,
            ReplicaIdentity replica, ControllerConfig config, PipelineMetrics metrics, StoreOutage outage) {
        this.store = store;
        this.operations = operations;
        this.pipelineBeans = pipelineBeans;
        this.replica = replica;
        this.config = config.pipeline();
        this.metrics = metrics;
        this.outage = outage;
        this.storeBackoff = new Backoff(this.config.storeRetryInitialBackoff(), Duration.ofSeconds(5));
    }

    /**
     * Claims {@code operationId} if nobody is doing it and launches it; the item says whether it was
     * claimed. Never fails: an operation that could not be claimed now is picked up by the resume job.
     */
    public Uni<Boolean> claimAndLaunch(String operationId) {
        return claim(operationId, false)
                .map(claimed -> {
                    if (claimed != null) {
                        launch(claimed);
                    }
                    return claimed != null;
                })
                .onFailure().recoverWithItem(e -> {
                    if (!outage.down(e)) {
                        Log.warnf("Operation %s is stored but could not be claimed now (%s); the resume job will run it",
                                operationId, e.getMessage());
                    }
                    return false;
                });
    }

    /**
     * Claims {@code operationId} for this replica; {@code ignoreSchedule} also claims a PENDING one
     * whose retry is not yet due (an operator asked again). Null when someone else is doing it.
     */
    public Uni<Operation> claim(String operationId, boolean ignoreSchedule) {
        return Uni.createFrom().deferred(() -> {
            Instant now = Sql.now();
            return operations.claim(store.pool(), operationId, replica.id(), now, now.plus(config.lease()), ignoreSchedule);
        });
    }

    /**
     * Inserts {@code op} already claimed by this replica, in the caller's transaction (see
     * {@link OperationRepository#insertClaimed}); {@link #launch} the item once that transaction commits.
     * Saves the claim statement (and its commit) that {@link #claimAndLaunch} costs a new operation.
     */
    public Uni<Operation> insertClaimed(io.vertx.mutiny.sqlclient.SqlClient tx, Operation op) {
        return operations.insertClaimed(tx, op, replica.id(), Sql.now().plus(config.lease()));
    }

    /** Starts a claimed operation and forgets it: its pipeline records the outcome, whatever happens. */
    public void launch(Operation claimed) {
        run(claimed)
                .subscribe()
                .with(outcome -> Log.debugf("Operation %s (%s) ended %s", claimed.operationId(), claimed.type().wireName(),
                        outcome.status()),
                        failure -> Log.errorf(failure, "Operation %s (%s) ended unexpectedly", claimed.operationId(),
                                claimed.type().wireName()));
    }

    /**
     * Runs a claimed operation and returns how it ended, never failing: a lost lease leaves the
     * operation to its new owner; a store fault runs it again here, with backoff, for up to
     * {@code store-retry-for} (its agent calls carry the operation id as request id, so the agent
     * answers a repeat from its memory); past that the resume job takes it once its lease lapses.
     */
    public Uni<PipelineOutcome> run(Operation claimed) {
        long started = System.nanoTime();
        long giveUpAt = started + config.storeRetryFor().toNanos();
        return Uni.createFrom().deferred(() -> {
                    running.add(claimed.operationId());
                    return attempt(claimed, 1, giveUpAt);
                })
                .onFailure(LeaseLostException.class).recoverWithItem(e -> {
                    Log.warnf("Operation %s (%s, target %s, host %s): %s", claimed.operationId(), claimed.type().wireName(),
                            claimed.target(), claimed.hostId(), e.getMessage());
                    return new PipelineOutcome(OperationStatus.RUNNING, e);
                })
                .onFailure().recoverWithItem(e -> {
                    if (StoreFaults.isUnavailable(e)) {
                        Log.warnf("Operation %s (%s, target %s, host %s) could not record its outcome for %s (%s); "
                                + "it is resumed when its lease expires", claimed.operationId(), claimed.type().wireName(),
                                claimed.target(), claimed.hostId(), config.storeRetryFor(), StoreFaults.describe(e));
                    } else {
                        Log.errorf(e, "Operation %s (%s, target %s, host %s) could not record its outcome; "
                                + "it is resumed when its lease expires", claimed.operationId(), claimed.type().wireName(),
                                claimed.target(), claimed.hostId());
                    }
                    return new PipelineOutcome(OperationStatus.RUNNING, e);
                })
                .invoke(outcome -> metrics.pipelineEnded(claimed.type(), outcome.status(),
                        Duration.ofNanos(System.nanoTime() - started)))
                .eventually(() -> running.remove(claimed.operationId()))
                .call(outcome -> outcome.followUpOperationId()
                        .map(this::claimAndLaunch)
                        .orElse(Uni.createFrom().item(false)));
    }

    /** One run of the pipeline; on a store fault, another after a backoff while time is left. */
    private Uni<PipelineOutcome> attempt(Operation claimed, int attempt, long giveUpAt) {
        return Uni.createFrom().deferred(() -> pipeline(claimed.type()).run(claimed))
                .onFailure(e -> !(e instanceof LeaseLostException) && StoreFaults.isUnavailable(e)
                        && System.nanoTime() < giveUpAt)
                .recoverWithUni(e -> {
                    outage.down(e);
                    Duration delay = storeBackoff.delay(attempt, java.util.concurrent.ThreadLocalRandom.current());
                    Log.debugf("Operation %s: store fault (%s); run %d again in %d ms", claimed.operationId(),
                            StoreFaults.describe(e), attempt + 1, delay.toMillis());
                    return Uni.createFrom().voidItem()
                            .onItem().delayIt().by(delay)
                            .chain(() -> attempt(claimed, attempt + 1, giveUpAt));
                });
    }

    /**
     * Claims operations nobody is doing, up to {@code resume-batch} per look (one statement on
     * PostgreSQL, {@code FOR UPDATE SKIP LOCKED} so replicas never claim the same one), launches them,
     * and looks again at once while looks come back full.
     *
     * @return how many were launched
     */
    public Uni<Integer> resumeDue() {
        return resumeDue(0, 0);
    }

    private Uni<Integer> resumeDue(int launchedSoFar, int looks) {
        Instant now = Sql.now();
        return operations.claimDue(replica.id(), now, now.plus(config.lease()), config.resumeBatch())
                .invoke(outage::up)
                .chain(claimed -> {
                    List<Operation> resumed = new ArrayList<>(claimed);
                    resumed.forEach(op -> Log.infof("Resuming operation %s (%s, target %s, host %s), attempt %d",
                            op.operationId(), op.type().wireName(), op.target(), op.hostId(), op.attempts()));
                    resumed.forEach(this::launch);
                    int total = launchedSoFar + resumed.size();
                    return resumed.size() >= config.resumeBatch() && looks < 50
                            ? resumeDue(total, looks + 1)
                            : Uni.createFrom().item(total);
                });
    }

    /**
     * At start-up: makes the operations this replica's name left RUNNING due at once (a predecessor
     * under the same name died with them), or on H2, whose file only this process can have open,
     * every RUNNING operation; then resumes them without waiting for their leases.
     *
     * @return how many were made due
     */
    public Uni<Integer> reclaimOwn() {
        Instant now = Sql.now();
        boolean embedded = store.kind() == StoreConfig.Kind.H2;
        return (embedded ? operations.expireAllLeases(store.pool(), now)
                : operations.expireLeasesOf(store.pool(), replica.id(), now))
                .invoke(count -> {
                    if (count > 0) {
                        Log.infof("Replica %s reclaims %d operation(s) left RUNNING %s; resuming them now", replica.id(),
                                count, embedded ? "in the embedded store" : "under its name");
                    }
                });
    }

    /**
     * Extends the leases of the operations running here, so a long agent call is not taken over. An
     * operation that ended meanwhile is skipped quietly; a store fault is the outage's, logged once.
     */
    public Uni<Void> renewLeases() {
        Instant until = Sql.now().plus(config.lease());
        return Multi.createFrom().iterable(List.copyOf(running))
                .onItem().transformToUniAndConcatenate(id -> operations.renew(store.pool(), id, replica.id(), until)
                        .onFailure(LeaseLostException.class).recoverWithUni(e -> operations.find(store.pool(), id)
                                .invoke(op -> {
                                    // Ended meanwhile (its outcome is written before it leaves the running set): quiet.
                                    if (op != null && op.status() == OperationStatus.RUNNING && running.contains(id)) {
                                        Log.warnf("Operation %s: cannot renew its lease: %s", id, e.getMessage());
                                    }
                                })
                                .replaceWithVoid())
                        .onFailure().recoverWithItem(e -> {
                            if (!outage.down(e)) {
                                Log.warnf("Operation %s: cannot renew its lease: %s", id, e.getMessage());
                            }
                            return null;
                        }))
                .collect().last()
                .replaceWithVoid();
    }

    /** Operations this replica is running now. */
    public int runningCount() {
        return running.size();
    }

    public String replicaId() {
        return replica.id();
    }

    private Pipeline pipeline(OperationType type) {
        Map<OperationType, Pipeline> table = pipelines;
        if (table == null) {
            table = new EnumMap<>(OperationType.class);
            for (Pipeline pipeline : pipelineBeans) {
                table.put(pipeline.type(), pipeline);
            }
            pipelines = table;
        }
        Pipeline pipeline = table.get(type);
        if (pipeline == null) {
            throw new IllegalStateException("no pipeline for operation type " + type.wireName());
        }
        return pipeline;
    }
}
