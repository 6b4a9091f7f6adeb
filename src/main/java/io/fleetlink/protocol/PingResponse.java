package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Ping's reply: who the agent is and how long it has run. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PingResponse(String hostId, String agentVersion, long uptimeSeconds) {
}
