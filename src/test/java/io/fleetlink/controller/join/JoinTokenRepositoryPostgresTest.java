package io.fleetlink.controller.join;

import org.junit.jupiter.api.BeforeEach;

import io.fleetlink.support.PostgresCluster;
import io.fleetlink.support.PostgresStoreProfile;
import io.fleetlink.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The join-token SQL on a private PostgreSQL cluster (the profile of {@code PostgresStoreTest}). */
@QuarkusTest
@TestProfile(PostgresStoreProfile.class)
class JoinTokenRepositoryPostgresTest extends JoinTokenRepositoryContract {

    @BeforeEach
    void requirePostgres() {
        if (!PostgresCluster.available()) {
            RealParts.require("initdb-is-missing", "postgresql");
        }
    }
}
