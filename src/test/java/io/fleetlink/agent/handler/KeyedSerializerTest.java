package io.fleetlink.agent.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyedSerializerTest {

    private static final long WAIT_S = 5;

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final KeyedSerializer serializer = new KeyedSerializer(pool);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(WAIT_S, TimeUnit.SECONDS);
    }

    @Test
    void jobsOnOneKeyRunInOrderAndNeverTwoAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstStarted = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Integer> order = new CopyOnWriteArrayList<>();

        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int job = i;
            results.add(start("user:alice", () -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                order.add(job);
                if (job == 0) {
                    firstStarted.countDown();
                    release.await(WAIT_S, TimeUnit.SECONDS);
                }
                running.decrementAndGet();
                return job;
            }));
        }

        assertThat(firstStarted.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        // The later jobs are handed to the pool only when the first has returned.
        assertThat(order).containsExactly(0);
        release.countDown();
        for (int i = 0; i < results.size(); i++) {
            assertThat(results.get(i).get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(i);
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(mostAtOnce).hasValue(1);
    }

    @Test
    void jobsOnDifferentKeysRunAtTheSameTime() throws Exception {
        CountDownLatch otherRan = new CountDownLatch(1);
        // Waits for the job on the other key: it can only finish if both run at once.
        CompletableFuture<Boolean> waiting = start("user:alice", () -> otherRan.await(WAIT_S, TimeUnit.SECONDS));
        CompletableFuture<Void> other = start("user:bob", () -> {
            otherRan.countDown();
            return null;
        });

        other.get(WAIT_S, TimeUnit.SECONDS);
        assertThat(waiting.get(WAIT_S, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aJobWithoutKeyRunsAtOnceEvenBesideABusyKey() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch secondUnkeyedRan = new CountDownLatch(1);
        CompletableFuture<Boolean> busy = start("dataset:d1", () -> release.await(WAIT_S, TimeUnit.SECONDS));
        // Two unkeyed jobs are not serialised with each other either: the first waits for the second.
        CompletableFuture<Boolean> unkeyed = start(null, () -> secondUnkeyedRan.await(WAIT_S, TimeUnit.SECONDS));
        CompletableFuture<String> secondUnkeyed = start(null, () -> {
            secondUnkeyedRan.countDown();
            return "ran";
        });

        assertThat(secondUnkeyed.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo("ran");
        assertThat(unkeyed.get(WAIT_S, TimeUnit.SECONDS)).isTrue();
        assertThat(busy).isNotDone();
        release.countDown();
        assertThat(busy.get(WAIT_S, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFailedJobDoesNotBlockTheNextOnItsKey() throws Exception {
        CompletableFuture<String> failed = start("user:alice", () -> {
            throw new IllegalStateException("userdel failed");
        });
        CompletableFuture<String> next = start("user:alice", () -> "cleaned");

        assertThatThrownBy(() -> failed.get(WAIT_S, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("userdel failed");
        assertThat(next.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo("cleaned");
    }

    private <T> CompletableFuture<T> start(String key, java.util.concurrent.Callable<T> work) {
        return serializer.run(key, work).subscribeAsCompletionStage();
    }
}
