package io.fleetlink.controller.join;

import io.fleetlink.support.JoiningAgentProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The join-token SQL on the embedded H2 store (the profile of the join tests, so no extra restart). */
@QuarkusTest
@TestProfile(JoiningAgentProfile.class)
class JoinTokenRepositoryH2Test extends JoinTokenRepositoryContract {
}
