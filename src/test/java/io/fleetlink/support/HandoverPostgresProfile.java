package io.fleetlink.support;

import java.util.List;

/** {@link HandoverProfile} with the controller's store on a private PostgreSQL cluster. */
public class HandoverPostgresProfile extends HandoverProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(PostgresCluster.class));
    }
}
