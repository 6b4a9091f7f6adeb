package io.fleetlink.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The host directory's cache as two controller replicas share one store: a fake store (a map) and a
 * clock the test moves. What this replica writes is seen at once; what another replica writes, within
 * the ttl and never later; a read racing a local write never caches what the write replaced.
 */
class HostDirectoryCacheTest {

    private static final Duration TTL = Duration.ofSeconds(1);

    /** The shared store: host rows by id, and how many reads each replica made. */
    final Map<String, Host> store = new ConcurrentHashMap<>();
    final AtomicInteger reads = new AtomicInteger();
    final AtomicLong now = new AtomicLong(1_000_000_000L);

    final HostDirectoryCache replicaA = new HostDirectoryCache(TTL, now::get);
    final HostDirectoryCache replicaB = new HostDirectoryCache(TTL, now::get);

    Supplier<Uni<Host>> load(String hostId) {
        return () -> Uni.createFrom().item(() -> {
            reads.incrementAndGet();
            return store.get(hostId);
        });
    }

    HostDirectoryCache.Known get(HostDirectoryCache cache, String hostId) {
        return cache.get(hostId, load(hostId)).await().indefinitely();
    }

    static Host host(String id, int port, long agentEpoch) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new Host(id, "127.0.0.1", port, null, Map.of(), HostState.AVAILABLE, Reachability.UNKNOWN, null, null, t, t,
                0, agentEpoch, false, null, null, null);
    }

    void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    void aHostIsReadOnceWithinTheTtlAndAgainAfterIt() {
        store.put("h1", host("h1", 9001, 0));
        assertThat(get(replicaA, "h1").httpPort()).isEqualTo(9001);
        assertThat(get(replicaA, "h1").httpPort()).isEqualTo(9001);
        assertThat(reads).hasValue(1);
        advance(TTL);
        get(replicaA, "h1");
        assertThat(reads).hasValue(2);
    }

    @Test
    void aWriteThroughThisReplicaIsSeenAtOnce() {
        store.put("h1", host("h1", 9001, 0));
        get(replicaA, "h1");
        // Deregistered and registered again elsewhere (a new port), through replica A: A drops its entry.
        store.put("h1", host("h1", 9002, 0));
        replicaA.invalidate("h1");
        assertThat(get(replicaA, "h1").httpPort()).isEqualTo(9002);
        store.remove("h1");
        replicaA.invalidate("h1");
        assertThat(get(replicaA, "h1")).isNull();
    }

    @Test
    void anotherReplicasWriteIsSeenWithinTheTtl() {
        store.put("h1", host("h1", 9001, 0));
        assertThat(get(replicaA, "h1").httpPort()).isEqualTo(9001);
        assertThat(get(replicaB, "h1").httpPort()).isEqualTo(9001);
        // Replica B moves the host (deregister, register on a new port): B sees it at once, A by the ttl.
        store.put("h1", host("h1", 9002, 0));
        replicaB.invalidate("h1");
        assertThat(get(replicaB, "h1").httpPort()).isEqualTo(9002);
        advance(TTL.minusMillis(1));
        assertThat(get(replicaA, "h1").httpPort()).as("within the ttl A may still use what it read").isEqualTo(9001);
        advance(Duration.ofMillis(1));
        assertThat(get(replicaA, "h1").httpPort()).as("never after it").isEqualTo(9002);
        // Deregistered through B: A stops knowing the host within the ttl too.
        store.remove("h1");
        replicaB.invalidate("h1");
        advance(TTL);
        assertThat(get(replicaA, "h1")).isNull();
    }

    @Test
    void aReadThatRacedALocalWriteIsNotCached() {
        store.put("h1", host("h1", 9001, 0));
        // A read starts, the row changes and this replica drops the entry, then the read finishes with the old row.
        UniEmitter<? super Host>[] pending = newEmitterHolder();
        Uni<HostDirectoryCache.Known> slow = replicaA.get("h1", () -> Uni.createFrom().emitter(e -> pending[0] = e));
        HostDirectoryCache.Known[] answer = new HostDirectoryCache.Known[1];
        slow.subscribe().with(known -> answer[0] = known);
        Host old = store.get("h1");
        store.put("h1", host("h1", 9002, 0));
        replicaA.invalidate("h1");
        pending[0].complete(old);
        assertThat(answer[0].httpPort()).as("the racing caller gets what it read").isEqualTo(9001);
        assertThat(get(replicaA, "h1").httpPort()).as("but it is not cached over the write").isEqualTo(9002);
    }

    @Test
    void anAbsentHostIsNeverCached() {
        assertThat(get(replicaA, "nobody")).isNull();
        assertThat(get(replicaA, "nobody")).isNull();
        assertThat(reads).hasValue(2);
        store.put("nobody", host("nobody", 9001, 0));
        assertThat(get(replicaB, "nobody")).isNotNull();
        assertThat(get(replicaA, "nobody")).isNotNull();
    }

    @Test
    void anAgentEpochIsKnownOnlyUpToWhatTheStoreHoldsAndOnlyWithinTheTtl() {
        store.put("h1", host("h1", 9001, 5));
        get(replicaA, "h1");
        assertThat(replicaA.agentEpochKnown("h1", 5)).isTrue();
        assertThat(replicaA.agentEpochKnown("h1", 6)).as("a higher epoch must be written").isFalse();
        replicaA.agentEpochRecorded("h1", 7);
        assertThat(replicaA.agentEpochKnown("h1", 7)).isTrue();
        replicaA.agentEpochRecorded("h1", 3);
        assertThat(replicaA.agentEpochKnown("h1", 7)).as("never lowered").isTrue();
        advance(TTL);
        assertThat(replicaA.agentEpochKnown("h1", 1)).as("after the ttl nothing is taken as known").isFalse();
        assertThat(replicaB.agentEpochKnown("h1", 0)).as("another replica knows nothing it did not read").isFalse();
        replicaA.invalidate("h1");
        assertThat(replicaA.agentEpochKnown("h1", 0)).isFalse();
    }

    @Test
    void anOnlineRecordIsSkippedWithinTheTtlUntilAFailure() {
        store.put("h1", host("h1", 9001, 0));
        get(replicaA, "h1");
        assertThat(replicaA.onlineRecordedRecently("h1")).isFalse();
        replicaA.reachabilityRecorded("h1", true);
        assertThat(replicaA.onlineRecordedRecently("h1")).isTrue();
        replicaA.reachabilityRecorded("h1", false);
        assertThat(replicaA.onlineRecordedRecently("h1")).as("a failure: the next answer is written").isFalse();
        replicaA.reachabilityRecorded("h1", true);
        advance(TTL);
        assertThat(replicaA.onlineRecordedRecently("h1")).as("written again at least once per ttl").isFalse();
        replicaA.reachabilityRecorded("h1", true);
        replicaA.invalidate("h1");
        assertThat(replicaA.onlineRecordedRecently("h1")).as("registered again: written at once").isFalse();
    }

    @Test
    void aFreshReadRefreshesTheRouteAndDropsAHostTheStoreNoLongerHolds() {
        store.put("h1", host("h1", 9001, 0));
        get(replicaA, "h1");
        // Another replica moved the host; a fenced call on A reads the row fresh and A follows it at once.
        store.put("h1", host("h1", 9002, 0));
        long version = replicaA.version();
        replicaA.observed("h1", HostDirectoryCache.Known.of(store.get("h1")), version);
        assertThat(get(replicaA, "h1").httpPort()).isEqualTo(9002);
        store.remove("h1");
        replicaA.observed("h1", null, replicaA.version());
        assertThat(get(replicaA, "h1")).isNull();
    }

    @Test
    void aZeroTtlTurnsTheCacheOff() {
        HostDirectoryCache off = new HostDirectoryCache(Duration.ZERO, now::get);
        store.put("h1", host("h1", 9001, 4));
        get(off, "h1");
        get(off, "h1");
        assertThat(reads).hasValue(2);
        off.reachabilityRecorded("h1", true);
        assertThat(off.onlineRecordedRecently("h1")).isFalse();
        assertThat(off.agentEpochKnown("h1", 0)).isFalse();
    }

    @SuppressWarnings("unchecked")
    private static UniEmitter<? super Host>[] newEmitterHolder() {
        return new UniEmitter[1];
    }
}
