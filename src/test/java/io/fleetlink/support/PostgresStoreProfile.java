package io.fleetlink.support;

import java.util.List;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Role {@code all} with the controller's store on a private PostgreSQL cluster. */
public class PostgresStoreProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(PostgresCluster.class));
    }
}
