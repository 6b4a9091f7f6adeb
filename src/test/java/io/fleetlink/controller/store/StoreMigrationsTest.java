package io.fleetlink.controller.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

class StoreMigrationsTest {

    @Test
    void everyMigrationFileIsListed() throws IOException, URISyntaxException {
        // The directory the build put on the test classpath, so the test does not depend on the working directory.
        URL location = StoreMigrations.class.getClassLoader().getResource(StoreMigrations.LOCATION);
        assertThat(location).as("%s on the classpath", StoreMigrations.LOCATION).isNotNull();
        try (Stream<Path> files = Files.list(Path.of(location.toURI()))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("StoreMigrations.FILES must list every file in db/migration, oldest first")
                    .containsExactlyInAnyOrderElementsOf(StoreMigrations.FILES);
        }
        assertThat(StoreMigrations.FILES).isSorted();
    }
}
