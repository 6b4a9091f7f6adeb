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
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Runs operations: claims them under a lease, runs their type's {@link Pipeline}, keeps the lease
 * alive while they run, and resumes operations nobody is doing (PENDING and due, or RUNNING under an
 * expired lease). {@link #launch} is the one place a fire-and-forget pipeline is subscribed.
 */
@ApplicationScoped
public class PipelineRunner {

    private final Store store;
    private final OperationRepository operations;
    private final Instance<Pipeline> pipelineBeans;
    private final ReplicaIdentity replica;
    private final ControllerConfig.Pipeline config;
    private final PipelineMetrics metrics;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private volatile Map<OperationType, Pipeline> pipelines;

    public PipelineRunner(Store store, OperationRepository operations, Instance<Pipeline> pipelineBeans,
            ReplicaIdentity replica, ControllerConfig config, PipelineMetrics metrics) {
        this.store = store;
        this.operations = operations;
        this.pipelineBeans = pipelineBeans;
        this.replica = replica;
        this.config = config.pipeline();
        this.metrics = metrics;
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
                    Log.warnf("Operation %s is stored but could not be claimed now (%s); the resume job will run it",
                            operationId, e.getMessage());
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
     * Runs a claimed operation and returns how it ended, never failing: a lost lease or a failed write
     * of the outcome leaves the operation to whoever resumes it.
     */
    public Uni<PipelineOutcome> run(Operation claimed) {
        long started = System.nanoTime();
        return Uni.createFrom().deferred(() -> {
                    running.add(claimed.operationId());
                    return pipeline(claimed.type()).run(claimed);
                })
                .onFailure(LeaseLostException.class).recoverWithItem(e -> {
                    Log.warnf("Operation %s (%s, target %s, host %s): %s", claimed.operationId(), claimed.type().wireName(),
                            claimed.target(), claimed.hostId(), e.getMessage());
                    return new PipelineOutcome(OperationStatus.RUNNING, e);
                })
                .onFailure().recoverWithItem(e -> {
                    Log.errorf(e, "Operation %s (%s, target %s, host %s) could not record its outcome; "
                            + "it is resumed when its lease expires", claimed.operationId(), claimed.type().wireName(),
                            claimed.target(), claimed.hostId());
                    return new PipelineOutcome(OperationStatus.RUNNING, e);
                })
                .invoke(outcome -> metrics.pipelineEnded(claimed.type(), outcome.status(),
                        Duration.ofNanos(System.nanoTime() - started)))
                .eventually(() -> running.remove(claimed.operationId()))
                .call(outcome -> outcome.followUpOperationId()
                        .map(this::claimAndLaunch)
                        .orElse(Uni.createFrom().item(false)));
    }

    /**
     * Claims every operation nobody is doing, up to {@code resume-batch}, in one transaction with
     * {@code FOR UPDATE SKIP LOCKED} so replicas never claim the same one, then launches them.
     *
     * @return how many were launched
     */
    public Uni<Integer> resumeDue() {
        Instant now = Sql.now();
        return store.inTransaction(tx -> operations.lockDue(tx, now, config.resumeBatch())
                        .chain(ids -> Multi.createFrom().iterable(ids)
                                .onItem().transformToUniAndConcatenate(id -> operations.claim(tx, id, replica.id(), now,
                                        now.plus(config.lease()), false))
                                .collect().asList()))
                .map(claimed -> {
                    List<Operation> resumed = new ArrayList<>(claimed);
                    resumed.forEach(op -> Log.infof("Resuming operation %s (%s, target %s, host %s), attempt %d",
                            op.operationId(), op.type().wireName(), op.target(), op.hostId(), op.attempts()));
                    resumed.forEach(this::launch);
                    return resumed.size();
                });
    }

    /** Extends the leases of the operations running here, so a long agent call is not taken over. */
    public Uni<Void> renewLeases() {
        Instant until = Sql.now().plus(config.lease());
        return Multi.createFrom().iterable(List.copyOf(running))
                .onItem().transformToUniAndConcatenate(id -> operations.renew(store.pool(), id, replica.id(), until)
                        .onFailure().recoverWithItem(e -> {
                            Log.warnf("Operation %s: cannot renew its lease: %s", id, e.getMessage());
                            return null;
                        }))
                .collect().last()
                .replaceWithVoid();
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
