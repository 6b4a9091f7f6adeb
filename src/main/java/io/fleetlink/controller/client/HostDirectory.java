package io.fleetlink.controller.client;

import io.smallrye.mutiny.Uni;

/**
 * Resolves a host id to where its agent listens, so the client layer needs no store; the host
 * registry ({@code StoreHostDirectory}) implements it.
 */
public interface HostDirectory {

    /**
     * The address of {@code hostId}.
     *
     * @return a failed Uni with {@link UnknownHostIdException} when no such host is known
     */
    Uni<HostAddress> resolve(String hostId);
}
