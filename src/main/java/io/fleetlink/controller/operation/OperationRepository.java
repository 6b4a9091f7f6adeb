package io.fleetlink.controller.operation;

import static io.fleetlink.controller.store.Sql.params;
import static io.fleetlink.controller.store.Sql.ts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.controller.client.CallAttempt;
import io.fleetlink.config.StoreConfig;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * SQL for operations, including the lease protocol: a replica claims an operation by setting
 * {@code claimed_by} and {@code lease_until}, and every later write is conditional on still owning it.
 */
@ApplicationScoped
public class OperationRepository {

    private static final String COLUMNS = "operation_id, op_type, target, host_id, payload, status, attempts, last_error, "
            + "claimed_by, lease_until, next_attempt_at, created_at, updated_at, finished_at";

    /** What is read: the stored columns and how many agent call attempts the operation made. */
    private static final String READ_COLUMNS = COLUMNS + ", (SELECT COUNT(*) FROM operation_attempts a "
            + "WHERE a.operation_id = operations.operation_id) AS call_attempts";

    /** PENDING and due, or RUNNING under a lease that expired: work nobody is doing. */
    private static final String DUE = "((status = 'PENDING' AND next_attempt_at <= #{now}) "
            + "OR (status = 'RUNNING' AND lease_until < #{now}))";

    private final ObjectMapper json;
    private final Store store;

    public OperationRepository(ObjectMapper json, Store store) {
        this.json = json;
        this.store = store;
    }

    public Uni<Void> insert(SqlClient client, Operation op) {
        return Sql.update(client, "INSERT INTO operations (" + COLUMNS + ") VALUES (#{id}, #{type}, #{target}, #{host}, "
                + "#{payload}, 'PENDING', 0, NULL, NULL, NULL, #{created}, #{created}, #{created}, NULL)",
                params("id", op.operationId(), "type", op.type().wireName(), "target", op.target(), "host", op.hostId(),
                        "payload", write(op.payload()), "created", ts(op.createdAt())))
                .replaceWithVoid();
    }

    /**
     * Inserts a new operation already claimed by {@code replica} (RUNNING under a lease until
     * {@code leaseUntil}, its first run counted), in the caller's transaction: the state a {@link #claim}
     * right after the commit would leave, without that statement. Whoever inserts it must launch it once
     * the transaction commits; if that replica dies first, the operation is resumed like any other whose
     * lease lapsed (or at once by the replica's successor under the same name).
     *
     * @return the operation as claimed
     */
    public Uni<Operation> insertClaimed(SqlClient client, Operation op, String replica, Instant leaseUntil) {
        return Sql.update(client, "INSERT INTO operations (" + COLUMNS + ") VALUES (#{id}, #{type}, #{target}, #{host}, "
                + "#{payload}, 'RUNNING', 1, NULL, #{replica}, #{lease}, #{created}, #{created}, #{created}, NULL)",
                params("id", op.operationId(), "type", op.type().wireName(), "target", op.target(), "host", op.hostId(),
                        "payload", write(op.payload()), "created", ts(op.createdAt()), "replica", replica,
                        "lease", ts(leaseUntil)))
                .replaceWith(() -> new Operation(op.operationId(), op.type(), op.target(), op.hostId(), OperationStatus.RUNNING,
                        0, null, op.createdAt(), op.createdAt(), null, op.payload(), 1, null));
    }

    public Uni<Operation> find(SqlClient client, String operationId) {
        return Sql.query(client, "SELECT " + READ_COLUMNS + " FROM operations WHERE operation_id = #{id}", params("id", operationId))
                .map(rows -> rows.iterator().hasNext() ? read(rows.iterator().next()) : null);
    }

    /** The newest operations, optionally only those for {@code target} (an allocation, task or host id). */
    public Uni<List<Operation>> list(SqlClient client, String target, int limit) {
        String where = target == null ? "" : " WHERE target = #{target} OR host_id = #{target}";
        return Sql.query(client, "SELECT " + READ_COLUMNS + " FROM operations" + where
                + " ORDER BY created_at DESC LIMIT " + limit, params("target", target))
                .map(this::readAll);
    }

    /**
     * Claims one operation for {@code replica} if nobody is doing it: PENDING (and due, unless
     * {@code ignoreSchedule}) or RUNNING with an expired lease. Counts the attempt. One atomic
     * statement that returns the claimed row ({@code UPDATE … RETURNING} on PostgreSQL, a data-change
     * delta table on H2): there is no moment where the row is claimed but not yet read.
     *
     * @return the claimed operation, or null when it is not claimable
     */
    public Uni<Operation> claim(SqlClient client, String operationId, String replica, Instant now, Instant leaseUntil,
            boolean ignoreSchedule) {
        String claimable = ignoreSchedule ? "(status = 'PENDING' OR (status = 'RUNNING' AND lease_until < #{now}))" : DUE;
        return claiming(client, "UPDATE operations SET status = 'RUNNING', claimed_by = #{replica}, lease_until = #{lease}, "
                + "attempts = attempts + 1, updated_at = #{now} WHERE operation_id = #{id} AND " + claimable,
                params("id", operationId, "replica", replica, "now", ts(now), "lease", ts(leaseUntil)))
                .map(claimed -> claimed.isEmpty() ? null : claimed.get(0));
    }

    /**
     * Claims up to {@code limit} due operations for {@code replica} in one statement on PostgreSQL
     * ({@code UPDATE … WHERE operation_id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …}), so replicas
     * looking at once get different ones; on H2 (one process only) one transaction of
     * {@link #lockDue} and {@link #claim}.
     */
    public Uni<List<Operation>> claimDue(String replica, Instant now, Instant leaseUntil, int limit) {
        if (store.kind() == StoreConfig.Kind.POSTGRESQL) {
            return claiming(store.pool(), "UPDATE operations SET status = 'RUNNING', claimed_by = #{replica}, "
                    + "lease_until = #{lease}, attempts = attempts + 1, updated_at = #{now} WHERE operation_id IN ("
                    + "SELECT operation_id FROM operations WHERE " + DUE + " ORDER BY next_attempt_at LIMIT " + limit
                    + " FOR UPDATE SKIP LOCKED) AND " + DUE,
                    params("replica", replica, "now", ts(now), "lease", ts(leaseUntil)));
        }
        return store.inTransaction(tx -> lockDue(tx, now, limit)
                .chain(ids -> io.smallrye.mutiny.Multi.createFrom().iterable(ids)
                        .onItem().transformToUniAndConcatenate(id -> claim(tx, id, replica, now, leaseUntil, false))
                        .filter(java.util.Objects::nonNull)
                        .collect().asList()));
    }

    /**
     * Makes every RUNNING operation claimed by {@code replica} due now: called by a replica starting
     * under that name, whose predecessor died with them, so the resume job takes them at once.
     *
     * @return how many there were
     */
    public Uni<Integer> expireLeasesOf(SqlClient client, String replica, Instant now) {
        return Sql.update(client, "UPDATE operations SET lease_until = #{past} WHERE status = 'RUNNING' "
                + "AND claimed_by = #{replica}", params("replica", replica, "past", ts(now.minusSeconds(1))));
    }

    /**
     * Makes every RUNNING operation due now, whoever claimed it: only for the embedded store, whose
     * file one process at a time can open, so at start-up no other replica can be running any.
     */
    public Uni<Integer> expireAllLeases(SqlClient client, Instant now) {
        return Sql.update(client, "UPDATE operations SET lease_until = #{past} WHERE status = 'RUNNING'",
                params("past", ts(now.minusSeconds(1))));
    }

    /** Runs an UPDATE of operations and returns the rows it changed, in one statement on either store. */
    private Uni<List<Operation>> claiming(SqlClient client, String update, java.util.Map<String, Object> params) {
        // The claimed rows as find() reads them, with their count of agent call attempts.
        String sql = store.kind() == StoreConfig.Kind.POSTGRESQL
                ? update + " RETURNING " + READ_COLUMNS
                : "SELECT " + COLUMNS + ", (SELECT COUNT(*) FROM operation_attempts a "
                        + "WHERE a.operation_id = claimed.operation_id) AS call_attempts FROM FINAL TABLE (" + update + ") claimed";
        return Sql.query(client, sql, params).map(this::readAll);
    }

    /**
     * Ids of up to {@code limit} due operations, row-locked with {@code FOR UPDATE SKIP LOCKED} so
     * replicas looking at the same time each get different ones; call inside a transaction and
     * {@link #claim} each before it commits.
     */
    public Uni<List<String>> lockDue(SqlClient client, Instant now, int limit) {
        return Sql.query(client, "SELECT operation_id FROM operations WHERE " + DUE
                + " ORDER BY next_attempt_at LIMIT " + limit + " FOR UPDATE SKIP LOCKED", params("now", ts(now)))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getString("operation_id")));
                    return ids;
                });
    }

    /** Extends the lease of an operation this replica still owns; fails with LeaseLost otherwise. */
    public Uni<Void> renew(SqlClient client, String operationId, String replica, Instant leaseUntil) {
        return owned(Sql.update(client, "UPDATE operations SET lease_until = #{lease} WHERE operation_id = #{id} "
                + "AND claimed_by = #{replica} AND status = 'RUNNING'",
                params("id", operationId, "replica", replica, "lease", ts(leaseUntil))), operationId);
    }

    /** Ends an owned operation in a terminal status; fails with LeaseLost (rolling back) when not owned. */
    public Uni<Void> finish(SqlClient client, String operationId, String replica, OperationStatus status, String error,
            Instant now) {
        return owned(Sql.update(client, "UPDATE operations SET status = #{status}, last_error = #{error}, finished_at = #{now}, "
                + "updated_at = #{now}, claimed_by = NULL, lease_until = NULL WHERE operation_id = #{id} "
                + "AND claimed_by = #{replica} AND status = 'RUNNING'",
                params("id", operationId, "replica", replica, "status", status.name(), "error", error, "now", ts(now))),
                operationId);
    }

    /** Hands an owned operation back as PENDING, due again at {@code nextAttempt}, keeping the error. */
    public Uni<Void> retryLater(SqlClient client, String operationId, String replica, String error, Instant now,
            Instant nextAttempt) {
        return owned(Sql.update(client, "UPDATE operations SET status = 'PENDING', last_error = #{error}, "
                + "next_attempt_at = #{next}, updated_at = #{now}, claimed_by = NULL, lease_until = NULL "
                + "WHERE operation_id = #{id} AND claimed_by = #{replica} AND status = 'RUNNING'",
                params("id", operationId, "replica", replica, "error", error, "now", ts(now), "next", ts(nextAttempt))),
                operationId);
    }

    /** An operator gives up a PENDING task stop; returns whether it was cancelled. */
    public Uni<Boolean> cancel(SqlClient client, String operationId, Instant now) {
        return Sql.update(client, "UPDATE operations SET status = 'FAILED', last_error = 'cancelled by an operator', "
                + "finished_at = #{now}, updated_at = #{now} WHERE operation_id = #{id} AND status = 'PENDING' "
                + "AND op_type = #{type}",
                params("id", operationId, "now", ts(now), "type", OperationType.TASK_STOP.wireName()))
                .map(count -> count == 1);
    }

    /** Appends one agent call attempt to the operation's attempt log (numbered 1, 2, ... in order). */
    public Uni<Void> recordAttempt(SqlClient client, String operationId, CallAttempt attempt) {
        return Sql.update(client, "INSERT INTO operation_attempts (operation_id, attempt, operation, request_id, epoch, "
                + "started_at, finished_at, outcome, error) SELECT #{id}, COALESCE(MAX(attempt), 0) + 1, #{op}, #{request}, "
                + "#{epoch}, #{started}, #{finished}, #{outcome}, #{error} FROM operation_attempts WHERE operation_id = #{id}",
                params("id", operationId, "op", attempt.operation().configName(), "request", attempt.requestId(),
                        "epoch", attempt.epoch(), "started", ts(attempt.startedAt()), "finished", ts(attempt.finishedAt()),
                        "outcome", attempt.outcome(), "error", attempt.error()))
                .replaceWithVoid();
    }

    /** The operation's agent call attempts, oldest first. */
    public Uni<List<OperationAttempt>> attempts(SqlClient client, String operationId) {
        return Sql.query(client, "SELECT attempt, operation, request_id, epoch, started_at, finished_at, outcome, error "
                + "FROM operation_attempts WHERE operation_id = #{id} ORDER BY attempt", params("id", operationId))
                .map(rows -> {
                    List<OperationAttempt> out = new ArrayList<>();
                    rows.forEach(row -> out.add(new OperationAttempt(row.getInteger("attempt"), row.getString("operation"),
                            row.getString("request_id"), row.getLong("epoch"), Sql.instant(row, "started_at"),
                            Sql.instant(row, "finished_at"), row.getString("outcome"), row.getString("error"))));
                    return out;
                });
    }

    /** Stores a new payload (the same request under a raised epoch), so a resumed run uses it. */
    public Uni<Void> updatePayload(SqlClient client, String operationId, OperationPayload payload) {
        return Sql.update(client, "UPDATE operations SET payload = #{payload} WHERE operation_id = #{id}",
                params("id", operationId, "payload", write(payload)))
                .replaceWithVoid();
    }

    private static Uni<Void> owned(Uni<Integer> update, String operationId) {
        return update.chain(count -> count == 1
                ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(new LeaseLostException(operationId)));
    }

    private List<Operation> readAll(Iterable<Row> rows) {
        List<Operation> out = new ArrayList<>();
        rows.forEach(row -> out.add(read(row)));
        return out;
    }

    private Operation read(Row row) {
        return new Operation(
                row.getString("operation_id"),
                OperationType.fromWire(row.getString("op_type")),
                row.getString("target"),
                row.getString("host_id"),
                OperationStatus.valueOf(row.getString("status")),
                row.getLong("call_attempts").intValue(),
                row.getString("last_error"),
                Sql.instant(row, "created_at"),
                Sql.instant(row, "updated_at"),
                Sql.instant(row, "finished_at"),
                readPayload(row.getString("payload")),
                row.getInteger("attempts"),
                null);
    }

    private String write(OperationPayload payload) {
        try {
            return json.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an operation payload", e);
        }
    }

    private OperationPayload readPayload(String text) {
        try {
            return json.readValue(text, OperationPayload.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored operation payload is not readable: " + e.getOriginalMessage(), e);
        }
    }
}
