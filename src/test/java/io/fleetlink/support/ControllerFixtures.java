package io.fleetlink.support;

import static io.fleetlink.support.ControllerApiClient.api;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Hosts and allocations created through the controller API, for tests that need one to act on. */
public final class ControllerFixtures {

    /** A valid public key for allocations; nothing ever logs in with it. */
    public static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl tenant@example";

    private ControllerFixtures() {
    }

    /** Registers a host with a fresh id whose agent is expected on 127.0.0.1:{@code httpPort}. */
    public static String registerHost(int httpPort) {
        String hostId = "pipe-" + UUID.randomUUID().toString().substring(0, 8);
        api().body(Map.of("host_id", hostId, "address", "127.0.0.1", "http_port", httpPort))
                .when().post("/api/v1/hosts")
                .then().statusCode(201);
        return hostId;
    }

    /** The body of an allocation request for {@code user} on {@code hostId}. */
    public static Map<String, Object> allocation(String hostId, String user) {
        return Map.of("host_id", hostId, "user", user, "ssh_public_keys", List.of(KEY));
    }

    /** Requests an allocation and returns its id; it is PROVISIONING when this returns. */
    public static String allocate(String hostId, String user) {
        return api().body(allocation(hostId, user))
                .when().post("/api/v1/allocations")
                .then().statusCode(202)
                .body("data.status", equalTo("PROVISIONING"))
                .extract().jsonPath().getString("data.allocation_id");
    }
}
