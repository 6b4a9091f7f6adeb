package io.fleetlink.controller.host;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import io.fleetlink.protocol.Names;

/** {@code POST /api/v1/hosts/{id}/cleanup}: whose traces to remove, and which kinds (default all). */
public record CleanupHostRequest(
        @NotBlank @Pattern(regexp = Names.USER, message = Names.USER_RULE) String user,
        @Size(max = 5) List<@NotBlank @Pattern(regexp = "process|data|ssh|docker|datasets",
                message = "must be one of process, data, ssh, docker, datasets") String> types) {
}
