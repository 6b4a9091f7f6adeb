package io.fleetlink.controller.store;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;

/**
 * Whether the store is in an outage, as the controller last saw it: every failed store call may
 * report {@link #down}, every successful one {@link #up}. Logs one line when an outage starts and
 * one when it ends, never a trace per failed call; readiness is DOWN meanwhile.
 */
@ApplicationScoped
public class StoreOutage {

    private final AtomicReference<Long> since = new AtomicReference<>();

    /** Records that a store call failed with {@code failure}; returns whether it was a store fault. */
    public boolean down(Throwable failure) {
        if (!StoreFaults.isUnavailable(failure)) {
            return false;
        }
        if (since.compareAndSet(null, System.nanoTime())) {
            Log.warnf("Controller store unavailable (%s): the API answers 503 and readiness is DOWN until it answers again; "
                    + "operations keep their leases and are retried", StoreFaults.describe(failure));
        }
        return true;
    }

    /** Records that a store call succeeded. */
    public void up() {
        Long started = since.getAndSet(null);
        if (started != null) {
            Log.infof("Controller store available again after %d ms", Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
    }

    public boolean isDown() {
        return since.get() != null;
    }
}
