package io.fleetlink.controller.host;

import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import io.fleetlink.controller.api.ControllerIds;

/** {@code POST /api/v1/hosts}: where a host's agent listens and how it is labelled. */
public record RegisterHostRequest(
        @NotBlank @Pattern(regexp = ControllerIds.HOST_ID, message = ControllerIds.HOST_ID_RULE) String hostId,
        @NotBlank @Pattern(regexp = ControllerIds.ADDRESS, message = ControllerIds.ADDRESS_RULE) String address,
        @Min(1) @Max(65535) Integer httpPort,
        @Min(1) @Max(65535) Integer grpcPort,
        @Size(max = 64) Map<
                @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._/-]{0,62}", message = "label names must match [A-Za-z0-9][A-Za-z0-9._/-]{0,62}") String,
                @NotBlank @Size(max = 256) String> labels) {
}
