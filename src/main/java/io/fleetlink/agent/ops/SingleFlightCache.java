package io.fleetlink.agent.ops;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One value read by a slow, blocking {@code loader} (nvidia-smi for system info), kept for {@code ttl}
 * after the read began, and read once however many callers ask at the same moment: the first caller
 * reads, the others wait for its answer. Every answer is kept, a failed one too (a hung driver is then
 * asked once per interval, not once per call); a loader that throws is not kept. A {@code ttl} of zero
 * keeps nothing but still shares a read in progress. Blocking.
 */
public final class SingleFlightCache<T> {

    private final Supplier<T> loader;
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final AtomicInteger waiting = new AtomicInteger();

    private CompletableFuture<T> flight;
    private T value;
    private long readAt;
    private boolean present;

    public SingleFlightCache(Supplier<T> loader, Duration ttl) {
        this(loader, ttl, System::nanoTime);
    }

    /** With a clock of its own, for tests that move time without waiting. */
    public SingleFlightCache(Supplier<T> loader, Duration ttl, LongSupplier nanoClock) {
        this.loader = loader;
        this.ttlNanos = ttl.toNanos();
        this.nanoClock = nanoClock;
    }

    /** The kept value while it is fresh, else a new read (this caller's or the one in progress). */
    public T get() {
        CompletableFuture<T> mine;
        boolean reader = false;
        long started;
        synchronized (this) {
            started = nanoClock.getAsLong();
            if (present && started - readAt < ttlNanos) {
                return value;
            }
            if (flight == null) {
                flight = new CompletableFuture<>();
                reader = true;
            }
            mine = flight;
        }
        if (!reader) {
            waiting.incrementAndGet();
            try {
                return mine.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
            } finally {
                waiting.decrementAndGet();
            }
        }
        T read;
        try {
            read = loader.get();
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                flight = null;
            }
            mine.completeExceptionally(e);
            throw e;
        }
        synchronized (this) {
            value = read;
            readAt = started;
            present = true;
            flight = null;
        }
        mine.complete(read);
        return read;
    }

    /** How many callers wait now for a read in progress (for tests). */
    int waiting() {
        return waiting.get();
    }
}
