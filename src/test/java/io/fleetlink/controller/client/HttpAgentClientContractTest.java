package io.fleetlink.controller.client;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.support.HostOpsProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(HostOpsProfile.class)
class HttpAgentClientContractTest extends AgentClientContract {

    @Override
    AgentLinkConfig.Protocol expectedProtocol() {
        return AgentLinkConfig.Protocol.HTTP;
    }
}
