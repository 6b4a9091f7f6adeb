package io.fleetlink.controller.client;

import io.smallrye.mutiny.Uni;

/**
 * Resolves a host id to where its agent listens, and keeps the host's fencing epoch in step with what
 * its agent reports, so the client layer needs no store; the host registry ({@code StoreHostDirectory})
 * implements it.
 */
public interface HostDirectory {

    /**
     * The address of {@code hostId}.
     *
     * @return a failed Uni with {@link UnknownHostIdException} when no such host is known
     */
    Uni<HostAddress> resolve(String hostId);

    /**
     * The agent of {@code hostId} has accepted {@code agentEpoch} (it said so in a ping or a stale-epoch
     * refusal): the next ownership change must go above it.
     */
    default Uni<Void> agentEpochSeen(String hostId, long agentEpoch) {
        return Uni.createFrom().voidItem();
    }

    /**
     * A call under {@code ownEpoch} was refused as stale: when {@code ownEpoch} is still the host's
     * current epoch (the store was behind the agent), moves the host to a new epoch above the agent's and
     * returns it; null when the host has moved on, so the caller no longer owns it.
     */
    default Uni<Long> raiseOwnEpoch(String hostId, long ownEpoch) {
        return Uni.createFrom().nullItem();
    }

    /**
     * A write through this controller changed {@code hostId} (registered, deregistered, moved): what is
     * cached of it must not be used again.
     */
    default void invalidate(String hostId) {
    }
}
