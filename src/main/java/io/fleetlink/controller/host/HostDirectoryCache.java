package io.fleetlink.controller.host;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * What one controller replica remembers of its hosts between agent calls, so that the fast path (a
 * health check, a pass-through call) does not ask the store the same thing on every call: where a
 * host's agent listens, that it is registered, the lowest agent epoch the store holds for it, and
 * when this replica last recorded it ONLINE.
 * <p>
 * Bounds: an entry is trusted for {@code ttl} after it was read (another replica's register,
 * deregister or agent-epoch write is seen within it); a write through this replica drops the entry at
 * once ({@link #invalidate}), and a read that started before a drop is never cached after it (a
 * version counter), so a local write is never hidden by a read racing it. Hosts the store does not
 * hold are never cached (no unbounded map of unknown ids). The fencing epoch is deliberately not
 * here: every fenced call reads it from the store.
 */
final class HostDirectoryCache {

    /** Where a registered host's agent listens (null ports: the defaults), and its stored agent epoch then. */
    record Known(String address, Integer httpPort, Integer grpcPort, long agentEpoch) {

        static Known of(Host host) {
            return host == null ? null : new Known(host.address(), host.httpPort(), host.grpcPort(), host.agentEpoch());
        }

        boolean sameRoute(Known other) {
            return other != null && address.equals(other.address) && java.util.Objects.equals(httpPort, other.httpPort)
                    && java.util.Objects.equals(grpcPort, other.grpcPort);
        }
    }

    private record Entry(Known known, long readAt, long onlineRecordedAt) {
    }

    private static final long NEVER = Long.MIN_VALUE;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    /** Bumped by every drop; a read that saw an older value is not cached. Guarded by {@code this}. */
    private long version;

    HostDirectoryCache(Duration ttl, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.nanoClock = nanoClock;
    }

    /** Whether the cache is on (a positive ttl). */
    boolean enabled() {
        return ttlNanos > 0;
    }

    /**
     * The host as this replica knows it, or as {@code load} reads it from the store when the entry is
     * missing or older than the ttl; a null item when the store does not hold the host.
     */
    Uni<Known> get(String hostId, Supplier<Uni<Host>> load) {
        Entry entry = fresh(hostId);
        if (entry != null) {
            return Uni.createFrom().item(entry.known());
        }
        long seen = version();
        return Uni.createFrom().deferred(load::get).map(host -> {
            Known known = Known.of(host);
            observed(hostId, known, seen);
            return known;
        });
    }

    /** The drop counter now: pass it to {@link #observed} for a read of the store started after this. */
    synchronized long version() {
        return version;
    }

    /**
     * A read of the host that started when the counter was {@code seenVersion}: cached unless a drop came
     * since (the read may predate the write that caused it); a host the store does not hold is dropped.
     * What this replica recorded ONLINE stays with the same route.
     */
    synchronized void observed(String hostId, Known known, long seenVersion) {
        if (known == null) {
            entries.remove(hostId);
            return;
        }
        if (!enabled() || seenVersion != version) {
            return;
        }
        Entry before = entries.get(hostId);
        long online = before != null && known.sameRoute(before.known()) ? before.onlineRecordedAt() : NEVER;
        entries.put(hostId, new Entry(known, nanoClock.getAsLong(), online));
    }

    /** A write through this replica changed the host (registered, deregistered, moved): forget it now. */
    synchronized void invalidate(String hostId) {
        version++;
        entries.remove(hostId);
    }

    /** Whether the store is known (within the ttl) to hold an agent epoch of at least {@code agentEpoch}. */
    boolean agentEpochKnown(String hostId, long agentEpoch) {
        Entry entry = fresh(hostId);
        return entry != null && entry.known().agentEpoch() >= agentEpoch;
    }

    /** This replica wrote {@code agentEpoch} (or more) as the host's agent epoch. */
    void agentEpochRecorded(String hostId, long agentEpoch) {
        entries.computeIfPresent(hostId, (id, entry) -> entry.known().agentEpoch() >= agentEpoch ? entry
                : new Entry(new Known(entry.known().address(), entry.known().httpPort(), entry.known().grpcPort(),
                        agentEpoch), entry.readAt(), entry.onlineRecordedAt()));
    }

    /** Whether this replica recorded the host ONLINE within the ttl, with no failure recorded since. */
    boolean onlineRecordedRecently(String hostId) {
        Entry entry = entries.get(hostId);
        return enabled() && entry != null && entry.onlineRecordedAt() != NEVER
                && nanoClock.getAsLong() - entry.onlineRecordedAt() < ttlNanos;
    }

    /** This replica recorded a ping of the host: an answer (ONLINE now) or a failure. */
    void reachabilityRecorded(String hostId, boolean reachable) {
        long now = nanoClock.getAsLong();
        entries.computeIfPresent(hostId, (id, entry) -> new Entry(entry.known(), entry.readAt(), reachable ? now : NEVER));
    }

    private Entry fresh(String hostId) {
        Entry entry = entries.get(hostId);
        return entry != null && enabled() && nanoClock.getAsLong() - entry.readAt() < ttlNanos ? entry : null;
    }
}
