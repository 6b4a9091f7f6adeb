package io.fleetlink.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** StopProcess's reply. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record StopProcessResponse(String taskId, List<Integer> killedPids, boolean escalatedToKill, boolean alreadyStopped) {
}
