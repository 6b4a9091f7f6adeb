package io.fleetlink.agent.handler;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;

/**
 * Runs blocking jobs on a worker pool, one after another for the same key (two cleanups of one user
 * never interleave) and in parallel for different keys. No thread waits for its turn: a job is
 * handed to the pool when its predecessor has really finished. A caller that stops waiting (a
 * timeout) does not free the key early, since the work itself cannot be interrupted.
 */
public final class KeyedSerializer {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Executor executor;
    private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();

    public KeyedSerializer(Executor executor) {
        this.executor = executor;
    }

    /** Runs {@code work} on the pool after every earlier job for {@code key}; a null key runs at once. */
    public <T> Uni<T> run(String key, Callable<T> work) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<T> result = new CompletableFuture<>();
            if (key == null) {
                executor.execute(() -> complete(result, work));
            } else {
                CompletableFuture<Void> tail = result.handle((value, failure) -> null);
                CompletableFuture<Void> previous;
                synchronized (tails) {
                    previous = tails.getOrDefault(key, DONE);
                    tails.put(key, tail);
                }
                tail.whenComplete((ignored, failure) -> {
                    synchronized (tails) {
                        tails.remove(key, tail);
                    }
                });
                previous.whenComplete((ignored, failure) -> executor.execute(() -> complete(result, work)));
            }
            // The caller gets a copy: cancelling it must not mark the real work as finished.
            return Uni.createFrom().completionStage(result.thenApply(Function.identity()));
        });
    }

    private static <T> void complete(CompletableFuture<T> result, Callable<T> work) {
        try {
            result.complete(work.call());
        } catch (Throwable e) {
            result.completeExceptionally(e);
        }
    }
}
