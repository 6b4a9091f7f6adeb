package io.fleetlink.controller.host;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** {@code POST /api/v1/hosts/{id}/drain} and {@code /undrain}: why, in the operator's words (kept and sent with the callback). */
public record DrainHostRequest(
        @NotBlank @Size(max = 500) String reason) {
}
