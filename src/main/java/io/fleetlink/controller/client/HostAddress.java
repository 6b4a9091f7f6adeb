package io.fleetlink.controller.client;

/** Where one agent listens. */
public record HostAddress(String hostId, String address, int httpPort, int grpcPort) {
}
