package io.fleetlink.controller.store;

import io.fleetlink.config.StoreConfig;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class H2StoreTest extends StoreContract {

    @Override
    StoreConfig.Kind expectedKind() {
        return StoreConfig.Kind.H2;
    }
}
