package io.fleetlink.controller.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.flywaydb.core.api.FlywayException;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postgresql.ds.PGSimpleDataSource;

import io.fleetlink.config.StoreConfig;
import io.fleetlink.security.Secrets;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;

/**
 * The controller's database: one Vert.x SQL {@link Pool} over H2 (a JDBC pool) or PostgreSQL (the
 * reactive client), chosen at run time by {@code fleetlink.store.kind}, migrated by Flyway when
 * opened. Opened only by the controller role; every repository goes through {@link #pool()}.
 */
@ApplicationScoped
public class Store {

    private final StoreConfig config;
    private final Vertx vertx;

    private volatile Pool pool;
    private volatile Runnable releaseDataSource = () -> {
    };

    public Store(StoreConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    /** Opens the pool and migrates the schema; blocking, called once at controller start-up. */
    public synchronized void open() {
        if (pool != null) {
            return;
        }
        try {
            pool = switch (config.kind()) {
                case H2 -> openH2();
                case POSTGRESQL -> openPostgres();
            };
        } catch (FlywayException e) {
            throw new IllegalStateException("Cannot migrate the controller store (fleetlink.store.kind="
                    + config.kind().name().toLowerCase(java.util.Locale.ROOT) + "): " + e.getMessage(), e);
        }
    }

    /** Whether this process opened the store; false in role agent. */
    public boolean isOpen() {
        return pool != null;
    }

    public StoreConfig.Kind kind() {
        return config.kind();
    }

    /** The pool; fails when the store is not open (role agent, or before start-up finished). */
    public Pool pool() {
        Pool current = pool;
        if (current == null) {
            throw new IllegalStateException("the controller store is not open: this process runs no controller, "
                    + "or it has not finished starting");
        }
        return current;
    }

    /** Runs {@code work} in one transaction: committed when its Uni succeeds, rolled back when it fails. */
    public <T> Uni<T> inTransaction(Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> pool().withTransaction(work))
                .onFailure().transform(StoreFaults::translate);
    }

    @PreDestroy
    synchronized void close() {
        Pool current = pool;
        pool = null;
        if (current != null) {
            current.closeAndAwait();
        }
        releaseDataSource.run();
    }

    private Pool openH2() {
        Path dir = config.path().toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("fleetlink.store.path: cannot create " + dir + ": " + e.getMessage(), e);
        }
        // DATABASE_TO_LOWER from the first create: column names come back lower-case, as PostgreSQL's do.
        String url = "jdbc:h2:file:" + dir.resolve("fleetlink") + ";DATABASE_TO_LOWER=TRUE;LOCK_TIMEOUT=10000";
        JdbcConnectionPool dataSource = JdbcConnectionPool.create(url, "fleetlink", "");
        dataSource.setMaxConnections(config.maxPoolSize());
        releaseDataSource = dataSource::dispose;
        try {
            StoreMigrations.migrate(dataSource);
        } catch (RuntimeException e) {
            dataSource.dispose();
            throw e;
        }
        Log.infof("Controller store: embedded H2 in %s", dir);
        return Pool.newInstance(JDBCPool.pool(vertx, dataSource));
    }

    private Pool openPostgres() {
        String url = config.url()
                .filter(u -> !u.isBlank())
                .orElseThrow(() -> new IllegalStateException("fleetlink.store.kind=postgresql needs fleetlink.store.url "
                        + "such as postgresql://db.example:5432/fleetlink"));
        if (!url.startsWith("postgresql://") || url.contains("@")) {
            throw new IllegalStateException("fleetlink.store.url must look like postgresql://host:port/database "
                    + "(credentials go in fleetlink.store.username and fleetlink.store.password), got '"
                    + url.replaceAll("//[^/@]*@", "//***@") + "'");
        }
        Optional<String> password = Secrets.resolve("fleetlink.store.password", config.password(), config.passwordFile());
        PGSimpleDataSource migrations = new PGSimpleDataSource();
        migrations.setURL("jdbc:" + url);
        config.username().ifPresent(migrations::setUser);
        password.ifPresent(migrations::setPassword);
        StoreMigrations.migrate(migrations);

        PgConnectOptions connect = PgConnectOptions.fromUri(url);
        config.username().ifPresent(connect::setUser);
        password.ifPresent(connect::setPassword);
        io.vertx.sqlclient.Pool pg = PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(config.maxPoolSize()))
                .connectingTo(connect)
                .using(vertx)
                .build();
        Log.infof("Controller store: PostgreSQL at %s", url);
        return Pool.newInstance(pg);
    }
}
