package io.fleetlink.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Role {@code all} with the controller speaking gRPC to agents. */
public class GrpcProtocolProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("agent.protocol", "grpc");
    }
}
