package io.fleetlink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives every Quarkus test start a private, empty H2 store directory (so concurrent suites and
 * earlier runs never share state) and points status callbacks at the {@link CallbackReceiver}'s port.
 */
public class ControllerTestResources implements QuarkusTestResourceLifecycleManager {

    private Path storeDir;

    @Override
    public Map<String, String> start() {
        try {
            storeDir = Files.createTempDirectory("fleetlink-store-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "fleetlink.store.path", storeDir.toString(),
                "fleetlink.controller.callback.url", CallbackReceiver.url());
    }

    @Override
    public void stop() {
        TempFiles.deleteRecursively(storeDir);
    }
}
