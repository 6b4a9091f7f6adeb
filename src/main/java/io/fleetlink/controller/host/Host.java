package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.Map;

/** A registered GPU machine as stored and as the API shows it; null ports mean agent.http-port / grpc-port. */
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
        Instant updatedAt) {
}
