package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Ping's reply: who the agent is, how long it has run, and the highest fencing epoch it has accepted. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PingResponse(String hostId, String agentVersion, long uptimeSeconds, long epoch) {
}
