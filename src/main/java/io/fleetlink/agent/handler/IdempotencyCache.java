package io.fleetlink.agent.handler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.fleetlink.agent.AgentException;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.web.RequestIds;
import io.smallrye.mutiny.Uni;

/**
 * Remembers the outcome of mutating requests by their request id, so a retried request (same id,
 * same body) gets the first reply and does not run twice, even while the first is still running.
 * Bounded in size and age; only completed replies are kept, so a failed attempt can be retried.
 */
public final class IdempotencyCache {

    private record Entry(AgentRpc operation, byte[] fingerprint, Uni<Object> outcome, Instant storedAt) {
    }

    private final Duration ttl;
    private final int maxEntries;
    private final Clock clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    public IdempotencyCache(Duration ttl, int maxEntries, Clock clock) {
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    /**
     * The stored (or in-flight) outcome for {@code requestId}, or the outcome of {@code execute}.
     *
     * @throws AgentException 409 when the id was used for another operation or another body
     */
    @SuppressWarnings("unchecked")
    public <T> Uni<T> execute(String requestId, AgentRpc operation, byte[] fingerprint, Supplier<Uni<T>> execute) {
        Entry entry;
        synchronized (entries) {
            evictExpired();
            entry = entries.get(requestId);
            if (entry != null) {
                if (entry.operation() != operation || !Arrays.equals(entry.fingerprint(), fingerprint)) {
                    throw AgentException.conflict(RequestIds.HEADER + " " + requestId + " was already used for a different "
                            + (entry.operation() == operation ? "request body" : "operation (" + entry.operation().configName() + ")")
                            + "; use a new request id for a new request");
                }
            } else {
                Uni<Object> outcome = ((Uni<Object>) execute.get())
                        .onFailure().invoke(failure -> forget(requestId))
                        .memoize().indefinitely();
                entry = new Entry(operation, fingerprint, outcome, clock.instant());
                entries.put(requestId, entry);
                while (entries.size() > maxEntries) {
                    Iterator<String> eldest = entries.keySet().iterator();
                    eldest.next();
                    eldest.remove();
                }
            }
        }
        return (Uni<T>) entry.outcome();
    }

    private void forget(String requestId) {
        synchronized (entries) {
            entries.remove(requestId);
        }
    }

    private void evictExpired() {
        Instant oldest = clock.instant().minus(ttl);
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            // Insertion order is age order, so the first young entry ends the scan.
            if (it.next().getValue().storedAt().isBefore(oldest)) {
                it.remove();
            } else {
                break;
            }
        }
    }
}
