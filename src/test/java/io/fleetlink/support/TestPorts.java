package io.fleetlink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives every Quarkus test start free HTTP and gRPC ports, so suites never collide with each other
 * or with a Fleetlink running on the default ports; the chosen ports are readable by tests.
 */
public class TestPorts implements QuarkusTestResourceLifecycleManager {

    private static volatile int httpPort;
    private static volatile int grpcPort;

    @Override
    public Map<String, String> start() {
        httpPort = freePort();
        grpcPort = freePort();
        return Map.of(
                "quarkus.http.test-port", String.valueOf(httpPort),
                "quarkus.grpc.server.test-port", String.valueOf(grpcPort),
                "agent.http-port", String.valueOf(httpPort),
                "agent.grpc-port", String.valueOf(grpcPort));
    }

    @Override
    public void stop() {
        // Nothing to release: the ports belong to the Quarkus instance.
    }

    public static int httpPort() {
        return httpPort;
    }

    public static int grpcPort() {
        return grpcPort;
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
