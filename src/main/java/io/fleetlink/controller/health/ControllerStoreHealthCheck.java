package io.fleetlink.controller.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * The controller's readiness: its store answers. Deliberately independent of agents, so a fleet of
 * unreachable machines never takes the controller out of its Service.
 */
@Readiness
@ApplicationScoped
public class ControllerStoreHealthCheck implements AsyncHealthCheck {

    private final Store store;
    private final FleetlinkConfig fleetlink;

    public ControllerStoreHealthCheck(Store store, FleetlinkConfig fleetlink) {
        this.store = store;
        this.fleetlink = fleetlink;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        if (!fleetlink.role().runsController()) {
            return Uni.createFrom().item(HealthCheckResponse.named("controller-store").up()
                    .withData("store", "not used in role " + fleetlink.role().configName()).build());
        }
        if (!store.isOpen()) {
            return Uni.createFrom().item(HealthCheckResponse.named("controller-store").down()
                    .withData("store", "not open yet").build());
        }
        return Sql.query(store.pool(), "SELECT 1 AS one", Sql.params())
                .ifNoItem().after(Duration.ofSeconds(5)).fail()
                .map(rows -> HealthCheckResponse.named("controller-store").up()
                        .withData("kind", store.kind().name().toLowerCase(java.util.Locale.ROOT)).build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named("controller-store").down()
                        .withData("error", String.valueOf(e.getMessage())).build());
    }
}
