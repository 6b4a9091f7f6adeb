package io.fleetlink.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** ResetSSH's reply. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResetSshResponse(String user, List<String> fingerprints, int sessionsTerminated) {
}
