package io.fleetlink.controller.client;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.support.GrpcProtocolProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(GrpcProtocolProfile.class)
class GrpcAgentClientContractTest extends AgentClientContract {

    @Override
    AgentLinkConfig.Protocol expectedProtocol() {
        return AgentLinkConfig.Protocol.GRPC;
    }
}
