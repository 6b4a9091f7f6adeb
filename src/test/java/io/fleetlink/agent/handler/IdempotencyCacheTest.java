package io.fleetlink.agent.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.fleetlink.agent.AgentException;
import io.fleetlink.protocol.AgentRpc;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

class IdempotencyCacheTest {

    private static final Duration TTL = Duration.ofMinutes(10);
    private static final byte[] BODY = "body-1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_BODY = "body-2".getBytes(StandardCharsets.UTF_8);

    private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void aRetryWhileTheFirstIsRunningWaitsForItAndRunsNothing() throws Exception {
        IdempotencyCache cache = new IdempotencyCache(TTL, 100, clock);
        List<UniEmitter<? super String>> running = new CopyOnWriteArrayList<>();
        Supplier<Uni<String>> work = () -> Uni.createFrom().emitter(emitter -> {
            runs.incrementAndGet();
            running.add(emitter);
        });

        CompletableFuture<String> first = cache.execute("r1", AgentRpc.PROCESS_STOP, BODY, work).subscribeAsCompletionStage();
        CompletableFuture<String> retry = cache.execute("r1", AgentRpc.PROCESS_STOP, BODY, work).subscribeAsCompletionStage();

        assertThat(runs).hasValue(1);
        assertThat(first).isNotDone();
        assertThat(retry).isNotDone();
        running.get(0).complete("stopped");
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("stopped");
        assertThat(retry.get(5, TimeUnit.SECONDS)).isEqualTo("stopped");
        assertThat(await(cache.execute("r1", AgentRpc.PROCESS_STOP, BODY, work))).isEqualTo("stopped");
        assertThat(runs).hasValue(1);
    }

    @Test
    void theSameIdWithAnotherBodyIsAConflict() throws Exception {
        IdempotencyCache cache = new IdempotencyCache(TTL, 100, clock);
        await(cache.execute("r1", AgentRpc.SSH_RESET, BODY, counted("done")));

        assertThatThrownBy(() -> cache.execute("r1", AgentRpc.SSH_RESET, OTHER_BODY, counted("again")))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(409))
                .hasMessageContaining("r1")
                .hasMessageContaining("different request body");
        assertThat(runs).hasValue(1);
    }

    @Test
    void theSameIdForAnotherOperationIsAConflict() throws Exception {
        IdempotencyCache cache = new IdempotencyCache(TTL, 100, clock);
        await(cache.execute("r1", AgentRpc.SSH_RESET, BODY, counted("done")));

        assertThatThrownBy(() -> cache.execute("r1", AgentRpc.MACHINE_CLEANUP, BODY, counted("again")))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(409))
                .hasMessageContaining("different operation (ssh-reset)");
        assertThat(runs).hasValue(1);
    }

    @Test
    void aFailureIsNotKeptSoTheRetryRuns() throws Exception {
        IdempotencyCache cache = new IdempotencyCache(TTL, 100, clock);
        Supplier<Uni<String>> failing = () -> Uni.createFrom().item(() -> {
            runs.incrementAndGet();
            throw new IllegalStateException("disk full");
        });
        assertThatThrownBy(() -> await(cache.execute("r1", AgentRpc.DATASET_MOUNT, BODY, failing)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("disk full");

        assertThat(await(cache.execute("r1", AgentRpc.DATASET_MOUNT, BODY, counted("mounted")))).isEqualTo("mounted");
        assertThat(runs).hasValue(2);
    }

    @Test
    void anIdIsForgottenAfterItsTimeToLive() throws Exception {
        IdempotencyCache cache = new IdempotencyCache(TTL, 100, clock);
        await(cache.execute("r1", AgentRpc.PROCESS_STOP, BODY, counted("first")));

        clock.advance(TTL);
        assertThat(await(cache.execute("r1", AgentRpc.PROCESS_STOP, BODY, counted("second")))).isEqualTo("first");
        assertThat(runs).hasValue(1);

        clock.advance(Duration.ofMillis(1));
        // Expired: the id is free again, even for another body.
        assertThat(await(cache.execute("r1", AgentRpc.PROCESS_STOP, OTHER_BODY, counted("third")))).isEqualTo("third");
        assertThat(runs).hasValue(2);
    }

    @Test
    void theOldestIdIsDroppedBeyondTheSizeBound() throws Exception {
        IdempotencyCache cache = new IdempotencyCache(TTL, 2, clock);
        await(cache.execute("r1", AgentRpc.PROCESS_STOP, BODY, counted("one")));
        await(cache.execute("r2", AgentRpc.PROCESS_STOP, BODY, counted("two")));
        await(cache.execute("r3", AgentRpc.PROCESS_STOP, BODY, counted("three")));
        assertThat(runs).hasValue(3);

        assertThat(await(cache.execute("r3", AgentRpc.PROCESS_STOP, BODY, counted("three again")))).isEqualTo("three");
        assertThat(runs).hasValue(3);
        assertThat(await(cache.execute("r1", AgentRpc.PROCESS_STOP, BODY, counted("one again")))).isEqualTo("one again");
        assertThat(runs).hasValue(4);
    }

    private Supplier<Uni<String>> counted(String result) {
        return () -> Uni.createFrom().item(() -> {
            runs.incrementAndGet();
            return result;
        });
    }

    private static <T> T await(Uni<T> uni) throws Exception {
        try {
            return uni.subscribeAsCompletionStage().get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** A clock the test moves by hand. */
    private static final class MovableClock extends Clock {

        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
