package io.fleetlink.controller.allocation;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import io.fleetlink.controller.api.ControllerIds;
import io.fleetlink.protocol.Names;

/** {@code POST /api/v1/allocations}: give {@code host_id} to {@code user}, who logs in with these keys. */
public record AllocateRequest(
        @NotBlank @Pattern(regexp = ControllerIds.HOST_ID, message = ControllerIds.HOST_ID_RULE) String hostId,
        @NotBlank @Pattern(regexp = Names.USER, message = Names.USER_RULE) String user,
        @NotEmpty @Size(max = 100) List<@NotBlank @Size(max = 16384)
                @Pattern(regexp = ControllerIds.SSH_PUBLIC_KEY, message = ControllerIds.SSH_PUBLIC_KEY_RULE) String> sshPublicKeys) {
}
