package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Ping's reply: who the agent is and how long it has run. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PingInfo(String hostId, String agentVersion, long uptimeSeconds) {
}
