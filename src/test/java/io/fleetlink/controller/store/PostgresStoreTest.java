package io.fleetlink.controller.store;

import io.fleetlink.config.StoreConfig;
import io.fleetlink.support.PostgresCluster;
import io.fleetlink.support.PostgresStoreProfile;
import io.fleetlink.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(PostgresStoreProfile.class)
class PostgresStoreTest extends StoreContract {

    @Override
    StoreConfig.Kind expectedKind() {
        return StoreConfig.Kind.POSTGRESQL;
    }

    @Override
    void requireStore() {
        if (!PostgresCluster.available()) {
            RealParts.require("initdb-is-missing", "postgresql");
        }
    }
}
