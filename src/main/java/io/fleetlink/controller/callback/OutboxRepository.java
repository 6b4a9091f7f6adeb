package io.fleetlink.controller.callback;

import static io.fleetlink.controller.store.Sql.params;
import static io.fleetlink.controller.store.Sql.ts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.controller.store.Sql;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * SQL for the outbox: events are added in the transaction of the transition they report, and
 * claimed for sending with {@code FOR UPDATE SKIP LOCKED} so two replicas never send one at once.
 */
@ApplicationScoped
public class OutboxRepository {

    /** An event claimed for sending: its id and the JSON body to POST. */
    public record Pending(String eventId, String type, String body, int attempts) {
    }

    private final ObjectMapper json;

    public OutboxRepository(ObjectMapper json) {
        this.json = json;
    }

    /** Adds {@code event}; call inside the transaction that makes the transition it reports. */
    public Uni<Void> add(SqlClient tx, CallbackEvent event) {
        String body;
        try {
            body = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot write a callback event", e));
        }
        return Sql.update(tx, "INSERT INTO outbox (event_id, event_type, payload, attempts, last_error, next_attempt_at, "
                + "created_at, delivered_at) VALUES (#{id}, #{type}, #{payload}, 0, NULL, #{at}, #{at}, NULL)",
                params("id", event.eventId(), "type", event.type(), "payload", body, "at", ts(event.occurredAt())))
                .replaceWithVoid();
    }

    /**
     * Locks up to {@code limit} due, undelivered events and pushes their next attempt to
     * {@code claimUntil}, so no other replica sends them meanwhile; call inside a transaction.
     */
    public Uni<List<Pending>> claimDue(SqlClient tx, Instant now, Instant claimUntil, int limit) {
        return Sql.query(tx, "SELECT event_id, event_type, payload, attempts FROM outbox WHERE delivered_at IS NULL "
                + "AND next_attempt_at <= #{now} ORDER BY created_at LIMIT " + limit + " FOR UPDATE SKIP LOCKED",
                params("now", ts(now)))
                .map(rows -> {
                    List<Pending> due = new ArrayList<>();
                    rows.forEach(row -> due.add(new Pending(row.getString("event_id"), row.getString("event_type"),
                            row.getString("payload"), row.getInteger("attempts"))));
                    return due;
                })
                .call(due -> Multi.createFrom().iterable(due)
                        .onItem().transformToUniAndConcatenate(p -> Sql.update(tx, "UPDATE outbox SET next_attempt_at = #{until} "
                                + "WHERE event_id = #{id}", params("id", p.eventId(), "until", ts(claimUntil))))
                        .collect().last());
    }

    public Uni<Void> delivered(SqlClient client, String eventId, Instant now) {
        return Sql.update(client, "UPDATE outbox SET delivered_at = #{now}, attempts = attempts + 1, last_error = NULL "
                + "WHERE event_id = #{id}", params("id", eventId, "now", ts(now)))
                .replaceWithVoid();
    }

    public Uni<Void> failed(SqlClient client, String eventId, String error, Instant nextAttempt) {
        return Sql.update(client, "UPDATE outbox SET attempts = attempts + 1, last_error = #{error}, "
                + "next_attempt_at = #{next} WHERE event_id = #{id}",
                params("id", eventId, "error", error, "next", ts(nextAttempt)))
                .replaceWithVoid();
    }

    /** Deletes events delivered before {@code cutoff}; returns how many. */
    public Uni<Integer> purgeDelivered(SqlClient client, Instant cutoff) {
        return Sql.update(client, "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < #{cutoff}",
                params("cutoff", ts(cutoff)));
    }

    /** Events not yet delivered. */
    public Uni<Long> backlog(SqlClient client) {
        return Sql.query(client, "SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL", params())
                .map(rows -> rows.iterator().next().getLong("n"));
    }
}
