package io.fleetlink.agent.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.state.RequestJournal;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.support.TempFiles;
import io.grpc.Status;

/**
 * The request-id binding and its journal over a real temp state directory; a restart is a new cache
 * over the same directory, as a new agent process would build it.
 */
class IdempotencyCacheTest {

    private static final Duration RETENTION = Duration.ofMinutes(15);
    private static final byte[] BODY = "body-1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_BODY = "body-2".getBytes(StandardCharsets.UTF_8);
    private static final StopProcessResponse STOPPED = new StopProcessResponse("t1", java.util.List.of(11, 12, 13), false, false, java.util.List.of());

    private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);
    private final Path dir = tempDir();

    @AfterEach
    void cleanUp() {
        TempFiles.deleteRecursively(dir);
    }

    private IdempotencyCache open() {
        return new IdempotencyCache(RETENTION, 100, clock, json, RequestJournal.open(dir, json));
    }

    @Test
    void aRetryWhileTheFirstIsRunningJoinsItAndRunsNothing() throws Exception {
        IdempotencyCache cache = open();
        IdempotencyCache.Claim first = cache.claim("r1", AgentRpc.PROCESS_STOP, BODY);
        IdempotencyCache.Claim retry = cache.claim("r1", AgentRpc.PROCESS_STOP, BODY);

        assertThat(first.owner()).isTrue();
        assertThat(retry.owner()).isFalse();
        CompletableFuture<Object> waiting = retry.run().outcome();
        assertThat(waiting).isNotDone();
        first.run().started();
        first.run().finished(STOPPED, "ok");
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo(STOPPED);
        assertThat(cache.claim("r1", AgentRpc.PROCESS_STOP, BODY).owner()).isFalse();
    }

    @Test
    void anIdStaysBoundWhileItsRunLastsHoweverLong() {
        IdempotencyCache cache = open();
        IdempotencyCache.Claim first = cache.claim("r1", AgentRpc.COMMAND_EXEC, BODY);
        first.run().started();
        clock.advance(RETENTION.multipliedBy(10));
        assertThat(cache.claim("r1", AgentRpc.COMMAND_EXEC, BODY).owner()).isFalse();
        assertThat(cache.running()).isEqualTo(1);
    }

    @Test
    void theSameIdWithAnotherBodyOrOperationIsAConflict() {
        IdempotencyCache cache = open();
        cache.claim("r1", AgentRpc.SSH_RESET, BODY);
        assertThatThrownBy(() -> cache.claim("r1", AgentRpc.SSH_RESET, OTHER_BODY))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(409))
                .hasMessageContaining("different request body");
        assertThatThrownBy(() -> cache.claim("r1", AgentRpc.MACHINE_CLEANUP, BODY))
                .hasMessageContaining("different operation (ssh-reset)");
    }

    @Test
    void aRejectionBeforeTheRunFreesTheIdAndTellsWhoeverWaited() {
        IdempotencyCache cache = open();
        IdempotencyCache.Claim first = cache.claim("r1", AgentRpc.PROCESS_STOP, BODY);
        CompletableFuture<Object> waiting = cache.claim("r1", AgentRpc.PROCESS_STOP, BODY).run().outcome();
        first.run().rejected(new AgentException(409, "stale epoch 1, this host is at 2"));

        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(AgentException.class)
                .hasMessageContaining("stale epoch 1");
        assertThat(cache.claim("r1", AgentRpc.PROCESS_STOP, BODY).owner()).isTrue();
    }

    @Test
    void aFailureDuringTheRunIsTheIdsResult() {
        IdempotencyCache cache = open();
        IdempotencyCache.Claim first = cache.claim("r1", AgentRpc.PROCESS_STOP, BODY);
        first.run().started();
        first.run().failed(new AgentException(500, "cannot read /proc"), "failed(500)");

        IdempotencyCache.Claim retry = cache.claim("r1", AgentRpc.PROCESS_STOP, BODY);
        assertThat(retry.owner()).isFalse();
        assertThatThrownBy(() -> retry.run().outcome().get(5, TimeUnit.SECONDS)).hasMessageContaining("cannot read /proc");
    }

    @Test
    void aFinishedResultIsReplayedAfterARestartUntilItsRetentionEnds() throws Exception {
        IdempotencyCache before = open();
        IdempotencyCache.Claim first = before.claim("r1", AgentRpc.PROCESS_STOP, BODY);
        first.run().started();
        first.run().finished(STOPPED, "ok");
        IdempotencyCache.Claim failed = before.claim("r2", AgentRpc.PROCESS_STOP, BODY);
        failed.run().started();
        failed.run().failed(new AgentException(404, "no such task"), "failed(404)");

        IdempotencyCache after = open();
        IdempotencyCache.Claim retry = after.claim("r1", AgentRpc.PROCESS_STOP, BODY);
        assertThat(retry.owner()).isFalse();
        Object stored = retry.run().outcome().get(5, TimeUnit.SECONDS);
        assertThat(json.treeToValue((JsonNode) stored, StopProcessResponse.class)).isEqualTo(STOPPED);
        assertThat(retry.run().summary()).isEqualTo("ok");
        assertThatThrownBy(() -> after.claim("r2", AgentRpc.PROCESS_STOP, BODY).run().outcome().get(5, TimeUnit.SECONDS))
                .cause().isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(404));
        assertThatThrownBy(() -> after.claim("r1", AgentRpc.PROCESS_STOP, OTHER_BODY)).hasMessageContaining("different request body");

        clock.advance(RETENTION.plusSeconds(1));
        IdempotencyCache later = open();
        assertThat(later.claim("r1", AgentRpc.PROCESS_STOP, BODY).owner()).isTrue();
    }

    @Test
    void aRunInterruptedByARestartIsNeverRunAgainByItself() throws Exception {
        IdempotencyCache before = open();
        before.claim("r1", AgentRpc.COMMAND_EXEC, BODY).run().started();
        // Claimed but never started (refused or not yet its turn): nothing ran, nothing to remember.
        before.claim("r2", AgentRpc.COMMAND_EXEC, BODY);

        IdempotencyCache after = open();
        IdempotencyCache.Claim retry = after.claim("r1", AgentRpc.COMMAND_EXEC, BODY);
        assertThat(retry.owner()).isFalse();
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> retry.run().outcome().get(5, TimeUnit.SECONDS));
        AgentException cause = (AgentException) failure.getCause();
        assertThat(cause.code()).isEqualTo(409);
        assertThat(cause.grpcStatus()).isEqualTo(Status.Code.ABORTED);
        assertThat(cause.getMessage()).contains("interrupted by an agent restart; result unknown");
        assertThat(after.claim("r2", AgentRpc.COMMAND_EXEC, BODY).owner()).isTrue();

        // And it stays so across a further restart.
        IdempotencyCache again = open();
        assertThat(again.claim("r1", AgentRpc.COMMAND_EXEC, BODY).owner()).isFalse();
    }

    @Test
    void aCutShortLastLineIsSkippedAndADamagedOneStopsStartUp() throws Exception {
        IdempotencyCache before = open();
        IdempotencyCache.Claim first = before.claim("r1", AgentRpc.PROCESS_STOP, BODY);
        first.run().started();
        first.run().finished(STOPPED, "ok");
        Path file = dir.resolve(RequestJournal.FILE);
        Files.writeString(file, "{\"event\":\"started\",\"id\":\"r9\",\"oper", java.nio.file.StandardOpenOption.APPEND);
        assertThat(open().claim("r1", AgentRpc.PROCESS_STOP, BODY).owner()).isFalse();

        Files.writeString(file, "not json\n" + Files.readString(file));
        assertThatThrownBy(this::open).isInstanceOf(IllegalStateException.class).hasMessageContaining("is corrupt at line 1");
    }

    @Test
    void theJournalIsOwnerOnly() throws Exception {
        IdempotencyCache cache = open();
        IdempotencyCache.Claim first = cache.claim("r1", AgentRpc.PROCESS_STOP, BODY);
        first.run().started();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve(RequestJournal.FILE)))).isEqualTo("rw-------");
    }

    @Test
    void theOldestFinishedIdIsDroppedBeyondTheSizeBound() {
        IdempotencyCache cache = new IdempotencyCache(RETENTION, 2, clock, json, null);
        for (String id : new String[] {"r1", "r2", "r3"}) {
            IdempotencyCache.Claim claim = cache.claim(id, AgentRpc.PROCESS_STOP, BODY);
            claim.run().finished(STOPPED, "ok");
        }
        assertThat(cache.claim("r3", AgentRpc.PROCESS_STOP, BODY).owner()).isFalse();
        assertThat(cache.claim("r1", AgentRpc.PROCESS_STOP, BODY).owner()).isTrue();
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("fl-idem").resolve("state");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
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
