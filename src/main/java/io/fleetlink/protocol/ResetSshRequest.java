package io.fleetlink.protocol;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/** ResetSSH: replace a user's authorized_keys. Each key is validated by the agent. */
public record ResetSshRequest(
        @NotBlank @Pattern(regexp = Names.USER, message = Names.USER_RULE) String user,
        List<String> authorizedKeys,
        Boolean terminateSessions) {
}
