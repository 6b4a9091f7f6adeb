package io.fleetlink.controller.host;

import static io.fleetlink.controller.store.Sql.params;
import static io.fleetlink.controller.store.Sql.ts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.controller.store.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * SQL for hosts. State changes are conditional on the state they leave, so two requests racing for
 * one host cannot both win.
 */
@ApplicationScoped
public class HostRepository {

    private static final String COLUMNS = "host_id, address, http_port, grpc_port, labels, state, reachability, "
            + "failed_pings, last_seen, allocation_id, created_at, updated_at, epoch, agent_epoch, drained, drain_reason, drained_at";

    /**
     * The epoch an ownership change sets: above every epoch the store gave out and every epoch the agent
     * reported, so the controller never fences itself out (a restored store, a host deleted and re-added).
     */
    private static final String NEXT_EPOCH = "epoch = GREATEST(epoch, agent_epoch) + 1";
    /** Read, never inserted: a new host has none; set by {@link #quarantineReason}. */
    private static final String READ_COLUMNS = COLUMNS + ", quarantine_reason";
    /** Longest reason kept; an agent's message can be long, the reason is for a person to read. */
    static final int MAX_REASON = 2000;
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };

    private final ObjectMapper json;

    public HostRepository(ObjectMapper json) {
        this.json = json;
    }

    public Uni<Void> insert(SqlClient client, Host host) {
        return Sql.update(client, "INSERT INTO hosts (" + COLUMNS + ") VALUES (#{id}, #{address}, #{http}, #{grpc}, "
                + "#{labels}, #{state}, #{reachability}, 0, NULL, NULL, #{now}, #{now}, 0, 0, FALSE, NULL, NULL)",
                params("id", host.hostId(), "address", host.address(), "http", host.httpPort(), "grpc", host.grpcPort(),
                        "labels", write(host.labels()), "state", host.state().name(),
                        "reachability", host.reachability().name(), "now", ts(host.createdAt())))
                .replaceWithVoid();
    }

    /** The host, or null. */
    public Uni<Host> find(SqlClient client, String hostId) {
        return Sql.query(client, "SELECT " + READ_COLUMNS + " FROM hosts WHERE host_id = #{id}", params("id", hostId))
                .map(rows -> rows.iterator().hasNext() ? read(rows.iterator().next()) : null);
    }

    public Uni<List<Host>> list(SqlClient client) {
        return Sql.query(client, "SELECT " + READ_COLUMNS + " FROM hosts ORDER BY host_id", params())
                .map(rows -> {
                    List<Host> hosts = new ArrayList<>();
                    rows.forEach(row -> hosts.add(read(row)));
                    return hosts;
                });
    }

    /** Deletes a host that holds no allocation; the item says whether it was deleted. */
    public Uni<Boolean> deleteIfFree(SqlClient client, String hostId) {
        return Sql.update(client, "DELETE FROM hosts WHERE host_id = #{id} AND state IN ('AVAILABLE', 'QUARANTINED')",
                params("id", hostId))
                .map(count -> count == 1);
    }

    /**
     * AVAILABLE, not OFFLINE and not drained → ALLOCATED to {@code allocationId}, with a new epoch; the item is that
     * epoch, or null when the host was not allocatable.
     */
    public Uni<Long> allocate(SqlClient tx, String hostId, String allocationId, Instant now) {
        return Sql.update(tx, "UPDATE hosts SET state = 'ALLOCATED', allocation_id = #{allocation}, updated_at = #{now}, "
                + NEXT_EPOCH + " WHERE host_id = #{id} AND state = 'AVAILABLE' AND reachability <> 'OFFLINE' "
                + "AND drained = FALSE",
                params("id", hostId, "allocation", allocationId, "now", ts(now)))
                .chain(count -> count == 1 ? epoch(tx, hostId) : Uni.createFrom().nullItem());
    }

    /**
     * Moves a host from one of {@code from} to {@code to}, setting its allocation and giving it a new
     * epoch (every state change is an ownership change); the item says whether the host was in one of
     * those states. Read the new epoch with {@link #epoch} in the same transaction.
     */
    public Uni<Boolean> transition(SqlClient tx, String hostId, List<HostState> from, HostState to, String allocationId,
            Instant now) {
        String states = String.join(", ", from.stream().map(s -> "'" + s.name() + "'").toList());
        return Sql.update(tx, "UPDATE hosts SET state = #{to}, allocation_id = #{allocation}, updated_at = #{now}, "
                + NEXT_EPOCH + " WHERE host_id = #{id} AND state IN (" + states + ")",
                params("id", hostId, "to", to.name(), "allocation", allocationId, "now", ts(now)))
                .map(count -> count == 1);
    }

    /** The host's current epoch, or null when there is no such host. */
    public Uni<Long> epoch(SqlClient client, String hostId) {
        return Sql.query(client, "SELECT epoch FROM hosts WHERE host_id = #{id}", params("id", hostId))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getLong("epoch") : null);
    }

    /**
     * Remembers that the agent has accepted {@code agentEpoch} (a ping, a stale-epoch refusal), so the
     * next ownership change goes above it; never lowers what is known.
     */
    public Uni<Void> recordAgentEpoch(SqlClient client, String hostId, long agentEpoch) {
        return Sql.update(client, "UPDATE hosts SET agent_epoch = #{epoch} WHERE host_id = #{id} AND agent_epoch < #{epoch}",
                params("id", hostId, "epoch", agentEpoch))
                .replaceWithVoid();
    }

    /**
     * When the agent refused {@code ownEpoch} as stale while it is still the host's current epoch (the
     * store was behind the agent), moves the host to a new epoch above the agent's, keeping its state
     * and owner; the item is that epoch, or null when the host has moved on (the caller is not the owner).
     */
    public Uni<Long> raiseOwnEpoch(SqlClient tx, String hostId, long ownEpoch) {
        return Sql.update(tx, "UPDATE hosts SET " + NEXT_EPOCH + " WHERE host_id = #{id} AND epoch = #{own}",
                params("id", hostId, "own", ownEpoch))
                .chain(count -> count == 1 ? epoch(tx, hostId) : Uni.createFrom().nullItem());
    }

    /**
     * Sets (or, with null, clears) why the host is QUARANTINED; kept in the same transaction as the state
     * change it explains.
     */
    public Uni<Void> quarantineReason(SqlClient tx, String hostId, String reason) {
        String kept = reason == null || reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON - 3) + "...";
        return Sql.update(tx, "UPDATE hosts SET quarantine_reason = #{reason} WHERE host_id = #{id}",
                params("id", hostId, "reason", kept))
                .replaceWithVoid();
    }

    /**
     * Records a ping: success → ONLINE now; failure → one more consecutive failure, and OFFLINE once
     * there are {@code offlineAfter} of them (until then the reachability stays as it was).
     */
    public Uni<Void> recordPing(SqlClient client, String hostId, boolean reachable, int offlineAfter, Instant now) {
        if (reachable) {
            return Sql.update(client, "UPDATE hosts SET reachability = 'ONLINE', failed_pings = 0, last_seen = #{now} "
                    + "WHERE host_id = #{id}", params("id", hostId, "now", ts(now)))
                    .replaceWithVoid();
        }
        return Sql.update(client, "UPDATE hosts SET failed_pings = failed_pings + 1, reachability = CASE "
                + "WHEN failed_pings + 1 >= #{limit} THEN 'OFFLINE' ELSE reachability END WHERE host_id = #{id}",
                params("id", hostId, "limit", offlineAfter))
                .replaceWithVoid();
    }

    /**
     * Marks a host drained with {@code reason}; the item says whether it was not drained before (a
     * repeated drain only replaces the reason and keeps {@code drained_at}).
     */
    public Uni<Boolean> drain(SqlClient tx, String hostId, String reason, Instant now) {
        return Sql.update(tx, "UPDATE hosts SET drained = TRUE, drain_reason = #{reason}, drained_at = #{now}, "
                + "updated_at = #{now} WHERE host_id = #{id} AND drained = FALSE",
                params("id", hostId, "reason", reason, "now", ts(now)))
                .chain(count -> count == 1
                        ? Uni.createFrom().item(true)
                        : Sql.update(tx, "UPDATE hosts SET drain_reason = #{reason}, updated_at = #{now} "
                                + "WHERE host_id = #{id}", params("id", hostId, "reason", reason, "now", ts(now)))
                                .replaceWith(false));
    }

    /** Clears the drain; the item says whether the host was drained. */
    public Uni<Boolean> undrain(SqlClient tx, String hostId, Instant now) {
        return Sql.update(tx, "UPDATE hosts SET drained = FALSE, drain_reason = NULL, drained_at = NULL, "
                + "updated_at = #{now} WHERE host_id = #{id} AND drained = TRUE",
                params("id", hostId, "now", ts(now)))
                .map(count -> count == 1);
    }

    /** How many hosts are in each state and reachability. */
    public Uni<Map<HostState, Map<Reachability, Long>>> counts(SqlClient client) {
        return Sql.query(client, "SELECT state, reachability, COUNT(*) AS n FROM hosts GROUP BY state, reachability", params())
                .map(rows -> {
                    Map<HostState, Map<Reachability, Long>> counts = new EnumMap<>(HostState.class);
                    rows.forEach(row -> counts.computeIfAbsent(HostState.valueOf(row.getString("state")),
                            s -> new EnumMap<>(Reachability.class))
                            .put(Reachability.valueOf(row.getString("reachability")), row.getLong("n")));
                    return counts;
                });
    }

    private Host read(Row row) {
        return new Host(
                row.getString("host_id"),
                row.getString("address"),
                row.getInteger("http_port"),
                row.getInteger("grpc_port"),
                readLabels(row.getString("labels")),
                HostState.valueOf(row.getString("state")),
                Reachability.valueOf(row.getString("reachability")),
                Sql.instant(row, "last_seen"),
                row.getString("allocation_id"),
                Sql.instant(row, "created_at"),
                Sql.instant(row, "updated_at"),
                row.getLong("epoch"),
                row.getLong("agent_epoch"),
                Boolean.TRUE.equals(row.getBoolean("drained")),
                row.getString("drain_reason"),
                Sql.instant(row, "drained_at"),
                row.getString("quarantine_reason"));
    }

    private String write(Map<String, String> labels) {
        try {
            return json.writeValueAsString(labels == null ? Map.of() : labels);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write host labels", e);
        }
    }

    private Map<String, String> readLabels(String text) {
        try {
            return json.readValue(text, LABELS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored host labels are not readable: " + e.getOriginalMessage(), e);
        }
    }
}
