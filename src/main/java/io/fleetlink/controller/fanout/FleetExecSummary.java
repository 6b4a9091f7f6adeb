package io.fleetlink.controller.fanout;

import java.util.List;

/** The counts of a fan-out: hosts asked, and how many ended ok, failed (ran, non-zero) or in error (no result). */
public record FleetExecSummary(int hosts, int ok, int failed, int errors, long durationMs) {

    static FleetExecSummary of(List<HostExecResult> results, long durationMs) {
        int ok = 0;
        int failed = 0;
        int errors = 0;
        for (HostExecResult result : results) {
            switch (result.outcome()) {
                case OK -> ok++;
                case FAILED -> failed++;
                case ERROR -> errors++;
            }
        }
        return new FleetExecSummary(results.size(), ok, failed, errors, durationMs);
    }

    /** One line for the envelope's message, e.g. {@code ran on 16 hosts: 15 ok, 1 failed, 0 errors}. */
    public String describe() {
        return "ran on " + hosts + " hosts: " + ok + " ok, " + failed + " failed, " + errors + " errors";
    }
}
