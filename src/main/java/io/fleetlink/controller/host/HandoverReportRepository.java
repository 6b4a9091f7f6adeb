package io.fleetlink.controller.host;

import static io.fleetlink.controller.store.Sql.params;
import static io.fleetlink.controller.store.Sql.ts;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.controller.store.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * SQL for handover reports: one per release or host cleanup, stored as JSON in the same transaction as
 * the transition it reports; an allocation's report is the newest one stored for it (a manual cleanup
 * that frees its quarantined host supersedes the failed release's).
 */
@ApplicationScoped
public class HandoverReportRepository {

    private final ObjectMapper json;

    public HandoverReportRepository(ObjectMapper json) {
        this.json = json;
    }

    public Uni<Void> insert(SqlClient tx, HandoverReport report, Instant now) {
        return Sql.update(tx, "INSERT INTO handover_reports (operation_id, allocation_id, host_id, report, created_at) "
                + "VALUES (#{op}, #{allocation}, #{host}, #{report}, #{now})",
                params("op", report.operationId(), "allocation", report.allocationId(), "host", report.hostId(),
                        "report", write(report), "now", ts(now)))
                .replaceWithVoid();
    }

    /** The newest report of {@code allocationId}, or null when none was stored yet. */
    public Uni<HandoverReport> latest(SqlClient client, String allocationId) {
        return Sql.query(client, "SELECT report FROM handover_reports WHERE allocation_id = #{id} "
                + "ORDER BY created_at DESC LIMIT 1", params("id", allocationId))
                .map(rows -> rows.iterator().hasNext() ? read(rows.iterator().next().getString("report")) : null);
    }

    private String write(HandoverReport report) {
        try {
            return json.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a handover report", e);
        }
    }

    private HandoverReport read(String text) {
        try {
            return json.readValue(text, HandoverReport.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored handover report is not readable: " + e.getOriginalMessage(), e);
        }
    }
}
