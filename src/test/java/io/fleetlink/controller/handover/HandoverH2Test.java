package io.fleetlink.controller.handover;

import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.HandoverProfile;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@link HandoverContract} on the embedded H2 store. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
@TestProfile(HandoverProfile.class)
class HandoverH2Test extends HandoverContract {
}
