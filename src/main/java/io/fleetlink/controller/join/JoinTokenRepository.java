package io.fleetlink.controller.join;

import static io.fleetlink.controller.store.Sql.params;
import static io.fleetlink.controller.store.Sql.ts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.store.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * SQL for join tokens and the joins made with them. A use is taken by one conditional update, so two
 * machines racing for the last use of a token cannot both win.
 */
@ApplicationScoped
public class JoinTokenRepository {

    private static final String COLUMNS = "token_id, secret_sha256, description, max_uses, uses, expires_at, revoked_at, "
            + "created_by, created_at, last_used_at";

    /** A stored token, with the hash of its secret (never shown). */
    record Stored(String tokenId, String secretSha256, String description, int maxUses, int uses, Instant expiresAt,
            Instant revokedAt, String createdBy, Instant createdAt, Instant lastUsedAt) {

        JoinToken view(Instant now) {
            return new JoinToken(tokenId, description, maxUses, uses, expiresAt, revokedAt, createdBy, createdAt, lastUsedAt,
                    JoinToken.state(maxUses, uses, expiresAt, revokedAt, now));
        }

        @Override
        public String toString() {
            return "Stored[" + tokenId + ", hash redacted]";
        }
    }

    /** One host's join: the token it joined with and what it reported then. */
    record HostJoin(String hostId, String tokenId, String address, String gpuInventory, Instant joinedAt,
            Instant lastJoinedAt) {
    }

    public Uni<Void> insert(SqlClient client, Stored token) {
        return Sql.update(client, "INSERT INTO join_tokens (" + COLUMNS + ") VALUES (#{id}, #{hash}, #{description}, "
                + "#{max}, 0, #{expires}, NULL, #{by}, #{now}, NULL)",
                params("id", token.tokenId(), "hash", token.secretSha256(), "description", token.description(),
                        "max", token.maxUses(), "expires", ts(token.expiresAt()), "by", token.createdBy(),
                        "now", ts(token.createdAt())))
                .replaceWithVoid();
    }

    /** The token, or null. */
    public Uni<Stored> find(SqlClient client, String tokenId) {
        return Sql.query(client, "SELECT " + COLUMNS + " FROM join_tokens WHERE token_id = #{id}", params("id", tokenId))
                .map(rows -> rows.iterator().hasNext() ? read(rows.iterator().next()) : null);
    }

    public Uni<List<Stored>> list(SqlClient client) {
        return Sql.query(client, "SELECT " + COLUMNS + " FROM join_tokens ORDER BY created_at, token_id", params())
                .map(rows -> {
                    List<Stored> tokens = new ArrayList<>();
                    rows.forEach(row -> tokens.add(read(row)));
                    return tokens;
                });
    }

    /** Revokes a token not yet revoked; the item says whether one was. */
    public Uni<Boolean> revoke(SqlClient client, String tokenId, Instant now) {
        return Sql.update(client, "UPDATE join_tokens SET revoked_at = #{now} WHERE token_id = #{id} AND revoked_at IS NULL",
                params("id", tokenId, "now", ts(now)))
                .map(count -> count == 1);
    }

    /** Takes one use of a token that is neither revoked, expired nor used up; the item says whether it got one. */
    public Uni<Boolean> claimUse(SqlClient client, String tokenId, Instant now) {
        return Sql.update(client, "UPDATE join_tokens SET uses = uses + 1, last_used_at = #{now} WHERE token_id = #{id} "
                + "AND uses < max_uses AND revoked_at IS NULL AND expires_at > #{now}", params("id", tokenId, "now", ts(now)))
                .map(count -> count == 1);
    }

    /** Gives back a use taken for a join that then failed. */
    public Uni<Void> releaseUse(SqlClient client, String tokenId) {
        return Sql.update(client, "UPDATE join_tokens SET uses = uses - 1 WHERE token_id = #{id} AND uses > 0",
                params("id", tokenId))
                .replaceWithVoid();
    }

    /** Notes a re-join made with a token (it takes no use). */
    public Uni<Void> touch(SqlClient client, String tokenId, Instant now) {
        return Sql.update(client, "UPDATE join_tokens SET last_used_at = #{now} WHERE token_id = #{id}",
                params("id", tokenId, "now", ts(now)))
                .replaceWithVoid();
    }

    /** The host's join, or null. */
    public Uni<HostJoin> findJoin(SqlClient client, String hostId) {
        return Sql.query(client, "SELECT host_id, token_id, address, gpu_inventory, joined_at, last_joined_at FROM host_joins "
                + "WHERE host_id = #{id}", params("id", hostId))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new HostJoin(row.getString("host_id"), row.getString("token_id"), row.getString("address"),
                            row.getString("gpu_inventory"), Sql.instant(row, "joined_at"), Sql.instant(row, "last_joined_at"));
                });
    }

    public Uni<Void> insertJoin(SqlClient client, HostJoin join) {
        return Sql.update(client, "INSERT INTO host_joins (host_id, token_id, address, gpu_inventory, joined_at, last_joined_at) "
                + "VALUES (#{host}, #{token}, #{address}, #{gpus}, #{joined}, #{last})",
                params("host", join.hostId(), "token", join.tokenId(), "address", join.address(), "gpus", join.gpuInventory(),
                        "joined", ts(join.joinedAt()), "last", ts(join.lastJoinedAt())))
                .replaceWithVoid();
    }

    /** Records a re-join: when, and the GPUs reported this time. */
    public Uni<Void> rejoined(SqlClient client, String hostId, String gpuInventory, Instant now) {
        return Sql.update(client, "UPDATE host_joins SET gpu_inventory = #{gpus}, last_joined_at = #{now} WHERE host_id = #{host}",
                params("host", hostId, "gpus", gpuInventory, "now", ts(now)))
                .replaceWithVoid();
    }

    public Uni<Void> deleteJoin(SqlClient client, String hostId) {
        return Sql.update(client, "DELETE FROM host_joins WHERE host_id = #{host}", params("host", hostId)).replaceWithVoid();
    }

    private static Stored read(Row row) {
        return new Stored(row.getString("token_id"), row.getString("secret_sha256"), row.getString("description"),
                row.getInteger("max_uses"), row.getInteger("uses"), Sql.instant(row, "expires_at"),
                Sql.instant(row, "revoked_at"), row.getString("created_by"), Sql.instant(row, "created_at"),
                Sql.instant(row, "last_used_at"));
    }
}
