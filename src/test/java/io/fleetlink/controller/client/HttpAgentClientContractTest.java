package io.fleetlink.controller.client;

import io.fleetlink.config.AgentLinkConfig;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class HttpAgentClientContractTest extends AgentClientContract {

    @Override
    AgentLinkConfig.Protocol expectedProtocol() {
        return AgentLinkConfig.Protocol.HTTP;
    }
}
