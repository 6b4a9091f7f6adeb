package io.fleetlink.drills;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The drills' table: one row per drill, written to {@code target/drills/report.md}. */
final class Report {

    private Report() {
    }

    /** What one drill measured and found. */
    static final class Row {
        final String drill;
        int operations;
        int lost;
        long executedTwice;
        String auditFormat = "-";
        int undelivered;
        int quarantinedAllocated;
        int readyAfterFailedCleanup;
        Duration recovery;
        /** False for a drill without a fault to recover from (the burst): its time is how long it took. */
        boolean recoveryApplies = true;
        Map<String, Long> outcomes = Map.of();
        boolean passed;

        Row(String drill) {
            this.drill = drill;
        }
    }

    static void write(Path file, List<Row> rows, String partition, int agents, int hosts) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("# Fault drills\n\n")
                .append("Run ").append(Instant.now()).append(": ").append(agents).append(" agents (packaged jar, each in its own ")
                .append("network namespace on a test bridge, 10.213.0.0/24), ").append(hosts)
                .append(" host registrations over them, two controller replicas on one PostgreSQL, lease 15 s renewed every 5 s. ")
                .append("Partition: ").append(partition).append(".\n\n")
                .append("| drill | operations | lost | executed twice | max recovery time | callbacks missing | "
                        + "quarantined+allocated | READY after failed cleanup | passed |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            out.append("| ").append(row.drill)
                    .append(" | ").append(row.operations)
                    .append(" | ").append(row.lost)
                    .append(" | ").append(row.executedTwice).append(row.auditFormat.equals("json") ? "" : " (key=value audit)")
                    .append(" | ").append(row.recovery == null ? "-" : row.recoveryApplies
                            ? String.format("%.1f s", row.recovery.toMillis() / 1000.0)
                            : String.format("— (took %.0f s)", row.recovery.toMillis() / 1000.0))
                    .append(" | ").append(row.undelivered)
                    .append(" | ").append(row.quarantinedAllocated)
                    .append(" | ").append(row.readyAfterFailedCleanup)
                    .append(" | ").append(row.passed ? "yes" : "NO")
                    .append(" |\n");
        }
        out.append("\nRecovery time: from the fault (or, for a partition and a receiver outage, from its start) until no operation is ")
                .append("PENDING or RUNNING. \"Executed twice\" counts request ids with more than one execution in the agents' ")
                .append("JSON audit lines (only \"execution\" events, never replays) and is asserted zero; an agent that writes the ")
                .append("older key=value lines cannot tell a replay from an execution, so there it is reported, not asserted. ")
                .append("Allocations by status in the store after each drill (cumulative over the run):\n\n");
        for (Row row : rows) {
            out.append("- ").append(row.drill).append(": ").append(row.outcomes).append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, out.toString());
    }
}
