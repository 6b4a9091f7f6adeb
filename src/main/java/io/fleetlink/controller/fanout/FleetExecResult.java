package io.fleetlink.controller.fanout;

import java.util.List;

/** A whole fan-out: the summary and every host's result, by host id. */
public record FleetExecResult(FleetExecSummary summary, List<HostExecResult> results) {
}
