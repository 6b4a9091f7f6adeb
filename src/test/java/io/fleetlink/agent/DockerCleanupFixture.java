package io.fleetlink.agent;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestDockerd;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;

/**
 * A private dockerd on the agent's configured socket and a tenant user, once per test class, both
 * removed afterwards: what every docker-step test needs, whatever its scope.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DockerCleanupFixture {

    @Inject
    AgentConfig config;

    TestDockerd dockerd;
    TestUser user;

    @BeforeAll
    void startDockerd() throws Exception {
        RealParts.requireRoot();
        dockerd = TestDockerd.start(config.cleanup().dockerSocket());
        user = TestUsers.create();
    }

    @AfterAll
    void stopDockerd() {
        if (dockerd != null) {
            dockerd.close();
        }
        TestUsers.delete(user);
    }
}
