package io.fleetlink.controller;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.Readiness;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.Role;
import io.fleetlink.controller.callback.CallbackSender;
import io.fleetlink.controller.client.ControllerAgentToken;
import io.fleetlink.controller.health.ControllerStoreHealthCheck;
import io.fleetlink.controller.health.ReachabilitySweep;
import io.fleetlink.controller.operation.JobLeases;
import io.fleetlink.controller.operation.PipelineRunner;
import io.fleetlink.controller.security.ControllerCredentials;
import io.fleetlink.controller.store.Store;
import io.fleetlink.controller.store.StoreOutage;
import io.fleetlink.lifecycle.RoleLifecycle;
import io.quarkus.logging.Log;
import io.smallrye.health.api.HealthRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Starts the controller role: settles its credentials, opens the store, registers its readiness
 * check, then runs its background jobs on timers (resume of unfinished operations and lease renewal,
 * callback delivery, reachability sweep). {@link #every} is the one place a periodic job is subscribed.
 */
@ApplicationScoped
public class ControllerLifecycle implements RoleLifecycle {

    private final ControllerConfig config;
    private final ControllerCredentials credentials;
    private final ControllerAgentToken agentToken;
    private final Store store;
    private final HealthRegistry readiness;
    private final ControllerStoreHealthCheck storeHealth;
    private final PipelineRunner runner;
    private final CallbackSender callbacks;
    private final ReachabilitySweep sweep;
    private final Vertx vertx;
    private final JobLeases jobs;
    private final StoreOutage outage;
    private final List<Long> timers = new CopyOnWriteArrayList<>();
    private volatile boolean started;

    public ControllerLifecycle(ControllerConfig config, ControllerCredentials credentials,
            ControllerAgentToken agentToken, Store store, @Readiness HealthRegistry readiness,
            ControllerStoreHealthCheck storeHealth, PipelineRunner runner, CallbackSender callbacks,
            ReachabilitySweep sweep, Vertx vertx, JobLeases jobs, StoreOutage outage) {
        this.config = config;
        this.credentials = credentials;
        this.agentToken = agentToken;
        this.store = store;
        this.readiness = readiness;
        this.storeHealth = storeHealth;
        this.runner = runner;
        this.callbacks = callbacks;
        this.sweep = sweep;
        this.vertx = vertx;
        this.jobs = jobs;
        this.outage = outage;
    }

    @Override
    public Role role() {
        return Role.CONTROLLER;
    }

    @Override
    public void start() {
        credentials.accepts(null); // settles the API token now: a controller without one fails start-up
        store.open();
        readiness.register(storeHealth);
        started = true;
        Log.infof("Controller replica %s started, presenting %s to agents; resuming unfinished operations",
                runner.replicaId(), agentToken.source());
        // Resume at once: operations a crashed predecessor under this name left RUNNING (on H2: any) are
        // made due, then resumed by the first look, without waiting for their leases.
        try {
            runner.reclaimOwn().await().atMost(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            Log.warnf("Replica %s could not reclaim its operations at start-up (%s); they resume when their leases expire",
                    runner.replicaId(), e.getMessage());
        }
        every("resume", Duration.ZERO, config.pipeline().resumeInterval(), runner::resumeDue);
        every("leases", config.pipeline().leaseRenewInterval(), config.pipeline().leaseRenewInterval(), runner::renewLeases);
        // Fleet-wide jobs: one replica at a time, the holder of the job's lease row.
        every("callbacks", config.callback().pollInterval(), config.callback().pollInterval(),
                leased(JobLeases.CALLBACK_SENDER, config.callback().pollInterval(), callbacks::sendDue));
        every("reachability", Duration.ZERO, config.health().interval(),
                leased(JobLeases.REACHABILITY_SWEEP, config.health().interval(), sweep::sweep));
    }

    @Override
    public void stop() {
        started = false;
        timers.forEach(vertx::cancelTimer);
        timers.clear();
        try {
            jobs.releaseAll().await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            Log.debugf("Job leases not handed back at stop (%s); they lapse by themselves", e.getMessage());
        }
    }

    /**
     * {@code job} only while this replica holds its lease; the lease outlives one interval by the
     * pipeline lease, so the holder keeps it and a survivor takes over within that much of its death.
     */
    private Supplier<Uni<?>> leased(String name, Duration interval, Supplier<Uni<?>> job) {
        Duration lease = interval.plus(config.pipeline().lease());
        return () -> jobs.hold(name, lease)
                .chain(holds -> holds ? job.get().replaceWith(true) : Uni.createFrom().item(false));
    }

    /** Whether the controller's jobs run in this process; never in role agent. */
    public boolean started() {
        return started;
    }
    /** Runs {@code job} every {@code interval}, never two runs of it at once; failures are logged, never fatal. */
    private void every(String name, Duration initialDelay, Duration interval, Supplier<Uni<?>> job) {
        AtomicBoolean busy = new AtomicBoolean();
        long timer = vertx.setPeriodic(Math.max(1, initialDelay.toMillis()), Math.max(1, interval.toMillis()), id -> {
            if (!started || !busy.compareAndSet(false, true)) {
                return;
            }
            Uni.createFrom().deferred(job)
                    .eventually(() -> busy.set(false))
                    .subscribe()
                    .with(result -> Log.tracef("Job %s done: %s", name, result), failure -> {
                        // A store outage is logged once, when it starts and ends, not by every job run.
                        if (!outage.down(failure)) {
                            Log.warnf(failure, "Job %s failed; it runs again in %s", name, interval);
                        }
                    });
        });
        timers.add(timer);
    }
}
