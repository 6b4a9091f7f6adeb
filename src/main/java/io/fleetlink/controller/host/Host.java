package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.Map;

/**
 * A registered GPU machine as stored and as the API shows it; null ports mean agent.http-port / grpc-port.
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
        String quarantineReason) {

    /** A host with no quarantine reason. */
    public Host(String hostId, String address, Integer httpPort, Integer grpcPort, Map<String, String> labels, HostState state,
            Reachability reachability, Instant lastSeen, String allocationId, Instant createdAt, Instant updatedAt) {
        this(hostId, address, httpPort, grpcPort, labels, state, reachability, lastSeen, allocationId, createdAt, updatedAt, null);
    }
}
