package io.fleetlink.controller.client;

import io.smallrye.mutiny.Uni;

/**
 * Resolves a host id to where its agent listens. The controller's host registry is the real one;
 * a configuration-backed directory serves until hosts are stored.
 */
public interface HostDirectory {

    /**
     * The address of {@code hostId}.
     *
     * @return a failed Uni with {@link UnknownHostIdException} when no such host is known
     */
    Uni<HostAddress> resolve(String hostId);
}
