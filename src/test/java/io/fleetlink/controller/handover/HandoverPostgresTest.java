package io.fleetlink.controller.handover;

import io.fleetlink.support.HandoverPostgresProfile;
import io.fleetlink.support.PostgresCluster;
import io.fleetlink.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@link HandoverContract} on PostgreSQL. */
@QuarkusTest
@TestProfile(HandoverPostgresProfile.class)
class HandoverPostgresTest extends HandoverContract {

    @Override
    void requireStore() {
        if (!PostgresCluster.available()) {
            RealParts.require("initdb-is-missing", "postgresql");
        }
    }
}
