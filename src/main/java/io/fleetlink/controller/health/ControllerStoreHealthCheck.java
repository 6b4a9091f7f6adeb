package io.fleetlink.controller.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;

import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.fleetlink.controller.store.StoreFaults;
import io.fleetlink.controller.store.StoreOutage;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * The controller's readiness: its store answers. Deliberately independent of agents, so a fleet of
 * unreachable machines never takes the controller out of its Service. Registered by the controller
 * when it starts, so a process without a controller has no such check.
 */
@ApplicationScoped
public class ControllerStoreHealthCheck implements AsyncHealthCheck {

    private final Store store;
    private final StoreOutage outage;

    public ControllerStoreHealthCheck(Store store, StoreOutage outage) {
        this.store = store;
        this.outage = outage;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        if (!store.isOpen()) {
            return Uni.createFrom().item(HealthCheckResponse.named("controller-store").down()
                    .withData("store", "not open yet").build());
        }
        return Sql.query(store.pool(), "SELECT 1 AS one", Sql.params())
                .ifNoItem().after(Duration.ofSeconds(5)).fail()
                .invoke(outage::up)
                .map(rows -> HealthCheckResponse.named("controller-store").up()
                        .withData("kind", store.kind().name().toLowerCase(java.util.Locale.ROOT)).build())
                .onFailure().recoverWithItem(e -> {
                    outage.down(e);
                    return HealthCheckResponse.named("controller-store").down()
                            .withData("error", "store unavailable: " + StoreFaults.describe(e)).build();
                });
    }
}
