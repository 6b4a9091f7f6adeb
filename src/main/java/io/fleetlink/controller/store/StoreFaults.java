package io.fleetlink.controller.store;

import java.io.IOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * Tells a store fault (the database is down, restarting, unreachable or dropped the connection) from
 * an answer of the database (a constraint, a syntax error), on both drivers.
 */
public final class StoreFaults {

    private StoreFaults() {
    }

    /** Whether {@code failure}, or one of its causes, says the store is unavailable rather than answering. */
    public static boolean isUnavailable(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof StoreUnavailableException || t instanceof ConnectException
                    || t instanceof ClosedConnectionException || t instanceof TimeoutException
                    || t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof PgException pg) {
                return unavailableState(pg.getSqlState());
            }
            if (t instanceof SQLException sql) {
                if (unavailableState(sql.getSQLState())) {
                    return true;
                }
                continue;
            }
            if (t instanceof IOException && (t.getClass().getName().startsWith("java.net.")
                    || t.getClass().getName().startsWith("java.nio.") || t.getClass().getName().startsWith("io.netty.")
                    || t instanceof java.io.EOFException)) {
                return true; // a reset, a closed channel, a broken pipe: the connection, not the data
            }
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t.getClass().getName().startsWith("io.vertx.") && (message.contains("connection")
                    && (message.contains("closed") || message.contains("refused") || message.contains("reset")
                            || message.contains("timeout") || message.contains("timed out"))
                    || message.contains("pool closed") || message.contains("timeout while waiting"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** SQLSTATE classes of an unavailable store: 08 connection exception, 57P admin shutdown/crash, 53 resources. */
    static boolean unavailableState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53"));
    }

    /** The innermost cause as {@code Type: message}, for one log line or an error text. */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        int depth = 0;
        while (root.getCause() != null && root.getCause() != root && depth++ < 16) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /** {@code failure} as a {@link StoreUnavailableException} when it is a store fault, else itself. */
    public static Throwable translate(Throwable failure) {
        if (failure instanceof StoreUnavailableException || !isUnavailable(failure)) {
            return failure;
        }
        return new StoreUnavailableException(failure);
    }
}
