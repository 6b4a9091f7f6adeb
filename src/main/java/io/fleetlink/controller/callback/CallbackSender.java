package io.fleetlink.controller.callback;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;
import io.fleetlink.controller.client.Backoff;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.fleetlink.security.Secrets;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Delivers the outbox to {@code fleetlink.controller.callback.url}: each event is POSTed as JSON until
 * the receiver answers 2xx, retried with exponential backoff and full jitter, at most
 * {@code max-in-flight} POSTs at once. At least once: a receiver deduplicates by {@code event_id}.
 * Delivered events are purged once older than {@code retention}. The lifecycle runs it on one replica
 * at a time (a job lease).
 */
@ApplicationScoped
public class CallbackSender {

    private final Store store;
    private final OutboxRepository outbox;
    private final ControllerConfig.Callback config;
    private final CallbackMetrics metrics;
    private final Optional<String> token;
    private final HttpClient http;
    private final Backoff backoff;
    private volatile long lastPurge;

    public CallbackSender(Store store, OutboxRepository outbox, ControllerConfig config,
            CallbackMetrics metrics) {
        this.store = store;
        this.outbox = outbox;
        this.config = config.callback();
        this.metrics = metrics;
        this.token = Secrets.resolve("fleetlink.controller.callback.token", this.config.token(), this.config.tokenFile());
        this.http = HttpClient.newBuilder()
                .connectTimeout(this.config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.backoff = new Backoff(this.config.initialBackoff(), this.config.maxBackoff());
    }

    /** Sends every due event once; the item is how many were delivered. Never fails for a bad receiver. */
    public Uni<Integer> sendDue() {
        Optional<URI> url = config.url();
        if (url.isEmpty()) {
            return refreshBacklog().replaceWith(0);
        }
        Instant now = Sql.now();
        // A claimed event is skipped by other replicas until the POST has had time to end.
        Instant claimUntil = now.plus(config.timeout()).plusSeconds(30);
        return store.inTransaction(tx -> outbox.claimDue(tx, now, claimUntil, config.batchSize()))
                .chain(due -> Multi.createFrom().iterable(due)
                        .onItem().transformToUni(event -> deliver(url.get(), event))
                        .merge(config.maxInFlight())
                        .collect().with(java.util.stream.Collectors.summingInt(delivered -> delivered ? 1 : 0)))
                .call(this::refreshBacklog)
                .call(this::purge);
    }

    /** Deletes delivered events older than {@code retention}, at most once a minute. */
    Uni<Void> purge() {
        long now = System.nanoTime();
        if (lastPurge != 0 && now - lastPurge < Duration.ofMinutes(1).toNanos()) {
            return Uni.createFrom().voidItem();
        }
        lastPurge = now;
        return purgeNow().replaceWithVoid();
    }

    /** Deletes delivered events older than {@code retention} now; the item is how many. */
    public Uni<Integer> purgeNow() {
        return outbox.purgeDelivered(store.pool(), Sql.now().minus(config.retention()))
                .invoke(count -> {
                    if (count > 0) {
                        Log.debugf("Purged %d delivered callback event(s) older than %s", count, config.retention());
                    }
                });
    }

    private Uni<Boolean> deliver(URI url, OutboxRepository.Pending event) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("X-Fleetlink-Event-Id", event.eventId())
                .POST(HttpRequest.BodyPublishers.ofString(event.body()));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return Uni.createFrom().completionStage(() -> http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()))
                .map(response -> response.statusCode() / 100 == 2
                        ? null
                        : "the receiver answered HTTP " + response.statusCode())
                .onFailure().recoverWithItem(e -> "cannot reach the receiver: " + describe(e))
                .chain(error -> error == null
                        ? outbox.delivered(store.pool(), event.eventId(), Sql.now()).replaceWith(true)
                        : retryLater(event, error).replaceWith(false))
                .invoke(metrics::callbackAttempt)
                .onFailure().recoverWithItem(e -> {
                    if (!io.fleetlink.controller.store.StoreFaults.isUnavailable(e)) { // an outage is logged once, elsewhere
                        Log.warnf("Callback %s (%s): cannot record the delivery attempt: %s", event.eventId(), event.type(),
                                e.getMessage());
                    }
                    return false;
                });
    }

    private Uni<Void> retryLater(OutboxRepository.Pending event, String error) {
        Duration delay = backoff.delay(event.attempts() + 1, ThreadLocalRandom.current());
        Log.warnf("Callback %s (%s) not delivered, attempt %d: %s; next attempt in %d ms", event.eventId(), event.type(),
                event.attempts() + 1, error, delay.toMillis());
        return outbox.failed(store.pool(), event.eventId(), error, Sql.now().plus(delay));
    }

    private Uni<Void> refreshBacklog() {
        return outbox.backlog(store.pool())
                .invoke(metrics::outboxBacklog)
                .replaceWithVoid();
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
