package io.fleetlink.controller.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

class StoreMigrationsTest {

    @Test
    void everyMigrationFileIsListed() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("StoreMigrations.FILES must list every file in db/migration, oldest first")
                    .containsExactlyInAnyOrderElementsOf(StoreMigrations.FILES);
        }
        assertThat(StoreMigrations.FILES).isSorted();
    }
}
