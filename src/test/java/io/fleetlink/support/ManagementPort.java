package io.fleetlink.support;

import java.net.URI;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Where a running {@code @QuarkusTest} serves {@code /q/health} and {@code /q/metrics}: the
 * management interface, on its own random port in tests ({@code quarkus.management.test-port=0}).
 * Quarkus resolves {@code test.management.url} to the port it actually bound.
 */
public final class ManagementPort {

    private ManagementPort() {
    }

    /** The management port of the Quarkus instance the current test runs against. */
    public static int port() {
        return URI.create(ConfigProvider.getConfig().getValue("test.management.url", String.class)).getPort();
    }

    /** An absolute URL on the management port, e.g. {@code url("/q/metrics")}, for RestAssured. */
    public static String url(String path) {
        return "http://localhost:" + port() + path;
    }
}
