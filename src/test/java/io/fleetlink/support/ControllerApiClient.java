package io.fleetlink.support;

import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;

/** RestAssured requests to the controller API with its test token. */
public final class ControllerApiClient {

    public static final String TOKEN = "test-controller-token-0123456789";

    private ControllerApiClient() {
    }

    public static RequestSpecification api() {
        return given()
                .header("Authorization", "Bearer " + TOKEN)
                .contentType("application/json");
    }
}
