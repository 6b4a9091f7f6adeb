package io.fleetlink.controller.allocation;

import static io.fleetlink.controller.store.Sql.params;
import static io.fleetlink.controller.store.Sql.ts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.controller.store.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;

/** SQL for allocations; status changes are conditional on the status they leave. */
@ApplicationScoped
public class AllocationRepository {

    private static final String COLUMNS = "allocation_id, host_id, user_name, ssh_public_keys, status, error_message, "
            + "operation_id, created_at, updated_at, epoch";
    private static final TypeReference<List<String>> KEYS = new TypeReference<>() {
    };

    private final ObjectMapper json;

    public AllocationRepository(ObjectMapper json) {
        this.json = json;
    }

    public Uni<Void> insert(SqlClient tx, Allocation allocation) {
        return Sql.update(tx, "INSERT INTO allocations (" + COLUMNS + ") VALUES (#{id}, #{host}, #{user}, #{keys}, "
                + "#{status}, NULL, #{op}, #{now}, #{now}, #{epoch})",
                params("id", allocation.allocationId(), "host", allocation.hostId(), "user", allocation.user(),
                        "keys", write(allocation.sshPublicKeys()), "status", allocation.status().name(),
                        "op", allocation.operationId(), "now", ts(allocation.createdAt()), "epoch", allocation.epoch()))
                .replaceWithVoid();
    }

    /** The allocation, or null. */
    public Uni<Allocation> find(SqlClient client, String allocationId) {
        return Sql.query(client, "SELECT " + COLUMNS + " FROM allocations WHERE allocation_id = #{id}",
                params("id", allocationId))
                .map(rows -> rows.iterator().hasNext() ? read(rows.iterator().next()) : null);
    }

    /** Newest first, optionally filtered by host and status. */
    public Uni<List<Allocation>> list(SqlClient client, String hostId, AllocationStatus status, int limit) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        if (hostId != null) {
            where.append(" AND host_id = #{host}");
        }
        if (status != null) {
            where.append(" AND status = #{status}");
        }
        return Sql.query(client, "SELECT " + COLUMNS + " FROM allocations" + where + " ORDER BY created_at DESC LIMIT " + limit,
                params("host", hostId, "status", status == null ? null : status.name()))
                .map(rows -> {
                    List<Allocation> out = new ArrayList<>();
                    rows.forEach(row -> out.add(read(row)));
                    return out;
                });
    }

    /**
     * Moves an allocation from {@code from} to {@code to}, recording the error and (when not null)
     * its latest operation; the item says whether it was in {@code from}.
     */
    public Uni<Boolean> transition(SqlClient tx, String allocationId, AllocationStatus from, AllocationStatus to,
            String error, String operationId, Instant now) {
        return Sql.update(tx, "UPDATE allocations SET status = #{to}, error_message = #{error}, "
                + "operation_id = COALESCE(#{op}, operation_id), updated_at = #{now} "
                + "WHERE allocation_id = #{id} AND status = #{from}",
                params("id", allocationId, "from", from.name(), "to", to.name(), "error", error, "op", operationId,
                        "now", ts(now)))
                .map(count -> count == 1);
    }

    private Allocation read(Row row) {
        return new Allocation(
                row.getString("allocation_id"),
                row.getString("host_id"),
                row.getString("user_name"),
                readKeys(row.getString("ssh_public_keys")),
                AllocationStatus.valueOf(row.getString("status")),
                row.getString("error_message"),
                row.getString("operation_id"),
                Sql.instant(row, "created_at"),
                Sql.instant(row, "updated_at"),
                row.getLong("epoch"));
    }

    private String write(List<String> keys) {
        try {
            return json.writeValueAsString(keys);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write ssh keys", e);
        }
    }

    private List<String> readKeys(String text) {
        try {
            return json.readValue(text, KEYS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored ssh keys are not readable: " + e.getOriginalMessage(), e);
        }
    }
}
