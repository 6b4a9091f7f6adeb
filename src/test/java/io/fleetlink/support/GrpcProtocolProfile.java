package io.fleetlink.support;

import java.util.Map;

/** {@link HostOpsProfile} with the controller speaking gRPC to agents. */
public class GrpcProtocolProfile extends HostOpsProfile {

    @Override
    protected Map<String, String> extraOverrides() {
        return Map.of("agent.protocol", "grpc");
    }
}
