package io.fleetlink.controller.join;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code POST /api/v1/join-tokens}: how many machines may join with the token (default 1) and for how
 * long it is good ({@code ttl}: a number and s, m, h or d; default 1h, at most 30d).
 */
@RegisterForReflection // read and written by Jackson, also in a native image
public record CreateJoinTokenRequest(
        @Min(1) @Max(10000) Integer uses,
        @Pattern(regexp = "[1-9][0-9]{0,6}[smhd]", message = "must be a number and a unit: s, m, h or d (e.g. 30m, 1h, 7d)") String ttl,
        @Size(max = 256) String description) {
}
