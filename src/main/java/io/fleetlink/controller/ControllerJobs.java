package io.fleetlink.controller;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.controller.callback.CallbackSender;
import io.fleetlink.controller.health.ReachabilitySweep;
import io.fleetlink.controller.operation.PipelineRunner;
import io.fleetlink.controller.store.Store;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Starts the controller role: opens the store, then runs its background jobs on timers (resume of
 * unfinished operations and lease renewal, callback delivery, reachability sweep). Nothing here runs
 * in role agent. {@link #every} is the one place a periodic job is subscribed.
 */
@ApplicationScoped
public class ControllerJobs {

    private final FleetlinkConfig fleetlink;
    private final ControllerConfig config;
    private final Store store;
    private final PipelineRunner runner;
    private final CallbackSender callbacks;
    private final ReachabilitySweep sweep;
    private final Vertx vertx;
    private final List<Long> timers = new CopyOnWriteArrayList<>();
    private volatile boolean started;

    public ControllerJobs(FleetlinkConfig fleetlink, ControllerConfig config, Store store, PipelineRunner runner,
            CallbackSender callbacks, ReachabilitySweep sweep, Vertx vertx) {
        this.fleetlink = fleetlink;
        this.config = config;
        this.store = store;
        this.runner = runner;
        this.callbacks = callbacks;
        this.sweep = sweep;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent event) {
        if (!fleetlink.role().runsController()) {
            return;
        }
        store.open();
        started = true;
        Log.infof("Controller replica %s started; resuming unfinished operations", runner.replicaId());
        // Resume at once: operations a crashed predecessor left PENDING or RUNNING are not forgotten.
        every("resume", Duration.ZERO, config.pipeline().resumeInterval(),
                () -> runner.renewLeases().chain(runner::resumeDue));
        every("callbacks", config.callback().pollInterval(), config.callback().pollInterval(), callbacks::sendDue);
        every("reachability", Duration.ZERO, config.health().interval(), sweep::sweep);
    }

    void onStop(@Observes ShutdownEvent event) {
        started = false;
        timers.forEach(vertx::cancelTimer);
        timers.clear();
    }

    /** Whether this process runs the controller's jobs; false in role agent. */
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
                    .with(result -> Log.tracef("Job %s done: %s", name, result),
                            failure -> Log.warnf(failure, "Job %s failed; it runs again in %s", name, interval));
        });
        timers.add(timer);
    }
}
