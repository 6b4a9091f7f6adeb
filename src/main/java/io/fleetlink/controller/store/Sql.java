package io.fleetlink.controller.store;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.templates.SqlTemplate;

/**
 * Small helpers every repository shares: run a {@code #{name}} template on either driver, and
 * convert timestamps, which both stores keep as UTC {@code TIMESTAMP} columns.
 */
public final class Sql {

    private Sql() {
    }

    /**
     * Runs a query template; {@code #{name}} parameters come from {@code params}. A store fault fails
     * with {@link StoreUnavailableException}.
     */
    public static Uni<RowSet<Row>> query(SqlClient client, String sql, Map<String, Object> params) {
        return onConnection(client, c -> SqlTemplate.forQuery(c, sql).execute(params));
    }

    /** Runs an update template and returns the number of rows it changed. */
    public static Uni<Integer> update(SqlClient client, String sql, Map<String, Object> params) {
        return onConnection(client, c -> SqlTemplate.forUpdate(c, sql).execute(params))
                .map(result -> result.rowCount());
    }

    /**
     * Runs {@code statement} on a connection of its own when {@code client} is the pool. Never a
     * statement straight on the pool: Vert.x SQL client 4.5 arms a connection-timeout timer for such a
     * statement and does not cancel it when getting the connection fails (the store is down), so the
     * timer later fails the already failed promise again and logs "IllegalStateException: Result is
     * already complete" once per statement (eclipse-vertx/vertx-sql-client#1706). Taking a connection
     * first goes through the pool's waiter queue, whose timeout is handled.
     */
    static <T> Uni<T> onConnection(SqlClient client, java.util.function.Function<SqlClient, Uni<T>> statement) {
        Uni<T> run = client instanceof io.vertx.mutiny.sqlclient.Pool pool
                ? pool.withConnection(statement::apply)
                : statement.apply(client);
        return run.onFailure().transform(StoreFaults::translate);
    }

    /** The current instant at the precision both stores keep (microseconds). */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** A UTC instant as a column value; null stays null. */
    public static LocalDateTime ts(Instant instant) {
        return instant == null ? null : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** A timestamp column as an instant, whatever temporal type the driver returned. */
    public static Instant instant(Row row, String column) {
        Object value = row.getValue(column);
        if (value == null) {
            return null;
        }
        if (value instanceof LocalDateTime local) {
            return local.toInstant(ZoneOffset.UTC);
        }
        if (value instanceof OffsetDateTime offset) {
            return offset.toInstant();
        }
        if (value instanceof Timestamp timestamp) {
            return timestamp.toLocalDateTime().toInstant(ZoneOffset.UTC);
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        throw new IllegalStateException("column " + column + " is not a timestamp: " + value.getClass().getName());
    }

    /** A map of parameters that, unlike {@link Map#of}, accepts null values. */
    public static Map<String, Object> params(Object... keysAndValues) {
        Map<String, Object> params = new java.util.HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            params.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return params;
    }

    /** Whether {@code failure} is a unique-key violation (SQLSTATE 23505 on both H2 and PostgreSQL). */
    public static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
            if (t instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
