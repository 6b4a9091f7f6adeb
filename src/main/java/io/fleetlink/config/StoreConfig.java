package io.fleetlink.config;

import java.nio.file.Path;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Where the controller keeps its durable state: an embedded H2 file by default, PostgreSQL for
 * several replicas. Read only when the controller role runs; the agent role opens no database.
 */
@ConfigMapping(prefix = "fleetlink.store")
public interface StoreConfig {

    /** Which database holds the controller's state. */
    enum Kind {
        /** An embedded H2 file database under {@code fleetlink.store.path}; one controller replica. */
        H2,
        /** A PostgreSQL server, shared by every controller replica. */
        POSTGRESQL
    }

    /** {@code h2} (embedded, nothing to install) or {@code postgresql} (several replicas). */
    @WithDefault("h2")
    Kind kind();

    /** Directory of the embedded H2 database; created if missing. */
    @WithDefault("./data")
    Path path();

    /** With kind {@code postgresql}: {@code postgresql://host:port/database}, without credentials. */
    Optional<String> url();

    /** With kind {@code postgresql}: the database user. */
    Optional<String> username();

    /**
     * With kind {@code postgresql}: the user's password. Prefer {@code password-file} or the
     * {@code FLEETLINK_STORE_PASSWORD} environment variable.
     */
    Optional<String> password();

    /** A file whose content (trimmed) is the database password; read once at start-up. */
    Optional<Path> passwordFile();

    /** Most connections the controller holds open to the database. */
    @WithDefault("10")
    @Min(1)
    @Max(200)
    int maxPoolSize();
}
