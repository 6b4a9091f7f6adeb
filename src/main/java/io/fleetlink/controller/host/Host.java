package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.Map;

/**
 * A registered GPU machine as stored and as the API shows it; null ports mean agent.http-port / grpc-port.
 * {@code epoch} is its fencing epoch: raised with every ownership change and carried by every mutating
 * agent call; {@code agent_epoch} is the highest epoch its agent has reported.
 * {@code drained} is kept beside {@code state}, not as a state of its own: a drained host still goes
 * ALLOCATED → RELEASING → AVAILABLE (or QUARANTINED) while its allocation runs out, and only new
 * allocations are refused.
 * {@code quarantineReason} says why the host was QUARANTINED (the GPU and check, or the failed cleanup
 * step); kept while a manual cleanup runs, null once one frees the host.
 */
public record Host(
        String hostId,
        String address,
        Integer httpPort,
        Integer grpcPort,
        Map<String, String> labels,
        HostState state,
        Reachability reachability,
        Instant lastSeen,
        String allocationId,
        Instant createdAt,
        Instant updatedAt,
        long epoch,
        long agentEpoch,
        boolean drained,
        String drainReason,
        Instant drainedAt,
        String quarantineReason) {

    /** A host as registered: before any ownership change, not drained, not quarantined. */
    public Host(String hostId, String address, Integer httpPort, Integer grpcPort, Map<String, String> labels,
            HostState state, Reachability reachability, Instant lastSeen, String allocationId, Instant createdAt,
            Instant updatedAt) {
        this(hostId, address, httpPort, grpcPort, labels, state, reachability, lastSeen, allocationId, createdAt,
                updatedAt, 0, 0, false, null, null, null);
    }
}
