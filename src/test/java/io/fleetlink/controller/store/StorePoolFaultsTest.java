package io.fleetlink.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.support.TestPorts;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;

/**
 * A PostgreSQL that is down: statements fail as {@link StoreUnavailableException}, and the pool's
 * connection-timeout timer never fails an already failed statement a second time ("Result is already
 * complete", one trace per statement during an outage), because {@link Sql} never runs a statement
 * straight on the pool.
 */
class StorePoolFaultsTest {

    private Vertx vertx;
    private Pool pool;
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();

    @BeforeEach
    void poolToADownStore() {
        vertx = Vertx.vertx();
        vertx.exceptionHandler(uncaught::add);
        int closed = TestPorts.freePort(); // nothing listens there: every connect is refused
        pool = Pool.newInstance(PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(2).setConnectionTimeout(300)
                        .setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS))
                .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(closed).setDatabase("x").setUser("x"))
                .using(vertx)
                .build());
    }

    @AfterEach
    void close() {
        pool.closeAndAwait();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void statementsOnADownStoreFailAsStoreFaultsAndNothingCompletesTwice() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> Sql.query(pool, "SELECT 1 AS one", Sql.params()).await().atMost(Duration.ofSeconds(10)))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageStartingWith("store unavailable: ")
                    .hasRootCauseInstanceOf(ConnectException.class);
            assertThatThrownBy(() -> Sql.update(pool, "UPDATE t SET a = 1", Sql.params()).await().atMost(Duration.ofSeconds(10)))
                    .isInstanceOf(StoreUnavailableException.class);
        }
        Thread.sleep(1000); // past the pool's connection timeout: its timers, had any been left armed, have fired
        assertThat(uncaught).isEmpty();
    }

    @Test
    void theDriverOnItsOwnCompletesAFailedStatementTwice() throws Exception {
        // The control: the same statement straight on the pool, as the store ran it before.
        assertThatThrownBy(() -> pool.query("SELECT 1").execute().await().atMost(Duration.ofSeconds(10)));
        Thread.sleep(1000);
        Assumptions.assumeFalse(uncaught.isEmpty(), "this Vert.x SQL client no longer has the double completion");
        assertThat(uncaught).anySatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Result is already complete"));
    }

    @Test
    void storeFaultsAreToldFromAnswersOfTheStore() {
        assertThat(StoreFaults.isUnavailable(new ConnectException("Connection refused"))).isTrue();
        assertThat(StoreFaults.isUnavailable(new RuntimeException(new io.vertx.pgclient.PgException("terminating connection "
                + "due to administrator command", "FATAL", "57P01", null)))).isTrue();
        assertThat(StoreFaults.isUnavailable(new java.sql.SQLException("conn", "08006"))).isTrue();
        assertThat(StoreFaults.isUnavailable(new io.vertx.pgclient.PgException("duplicate key", "ERROR", "23505", null))).isFalse();
        assertThat(StoreFaults.isUnavailable(new IllegalStateException("stored operation payload is not readable",
                new com.fasterxml.jackson.core.JsonParseException(null, "bad")))).isFalse();
        assertThat(StoreFaults.isUnavailable(new IllegalArgumentException("x"))).isFalse();
    }
}
