package io.fleetlink.controller.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.resource.LoadableResource;
import org.flywaydb.core.internal.resource.classpath.ClassPathResource;

/**
 * Applies the controller's Flyway migrations to either store. The migrations are listed here rather
 * than found by scanning the class path, which works neither in a native image nor in every Quarkus
 * class loader; a test checks that this list matches {@code db/migration}.
 */
public final class StoreMigrations {

    static final String LOCATION = "db/migration";

    /** Every migration, oldest first; add new files here. */
    public static final List<String> FILES = List.of(
            "V1__controller_store.sql",
            "V2__handover_epochs_attempts_reports.sql",
            "V3__host_drain.sql",
            "V4__host_quarantine_reason.sql",
            "V5__job_leases.sql",
            "V6__join_tokens.sql");

    private StoreMigrations() {
    }

    /** Brings the schema up to date; blocking, run once at start-up. */
    static void migrate(DataSource dataSource) {
        Flyway.configure(StoreMigrations.class.getClassLoader())
                .dataSource(dataSource)
                .resourceProvider(new ListedResources())
                .locations(LOCATION)
                .load()
                .migrate();
    }

    private static final class ListedResources implements ResourceProvider {

        private final ClassLoader loader = StoreMigrations.class.getClassLoader();
        private final Location location = new Location("classpath:" + LOCATION);

        @Override
        public LoadableResource getResource(String name) {
            return FILES.contains(name) ? resource(name) : null;
        }

        @Override
        public Collection<LoadableResource> getResources(String prefix, String[] suffixes) {
            return FILES.stream()
                    .filter(name -> name.startsWith(prefix))
                    .filter(name -> Arrays.stream(suffixes).anyMatch(name::endsWith))
                    .map(this::resource)
                    .toList();
        }

        private LoadableResource resource(String name) {
            return new ClassPathResource(location, LOCATION + "/" + name, loader, StandardCharsets.UTF_8);
        }
    }
}
