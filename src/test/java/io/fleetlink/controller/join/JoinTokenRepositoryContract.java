package io.fleetlink.controller.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.smallrye.mutiny.Uni;

/**
 * The join-token SQL on a real store (each subclass one kind: the V6 migration and the statements must
 * run on H2 and PostgreSQL alike): a use is taken at most {@code max_uses} times even when requests
 * race, an expired or revoked token gives none, and a host has one join row.
 */
abstract class JoinTokenRepositoryContract {

    static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Store store;

    @Inject
    JoinTokenRepository tokens;

    private JoinTokenRepository.Stored token(int maxUses, Instant expiresAt) {
        Instant now = Sql.now();
        String id = JoinTokens.newId();
        JoinTokenRepository.Stored stored = new JoinTokenRepository.Stored(id, JoinTokens.sha256Hex("secret-" + id), "contract",
                maxUses, 0, expiresAt, null, "default", now, null);
        tokens.insert(store.pool(), stored).await().atMost(WAIT);
        return stored;
    }

    @Test
    void racingJoinsTakeNoMoreUsesThanTheTokenHas() {
        JoinTokenRepository.Stored stored = token(2, Sql.now().plus(Duration.ofHours(1)));
        List<Uni<Boolean>> claims = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            claims.add(tokens.claimUse(store.pool(), stored.tokenId(), Sql.now()));
        }
        List<?> results = Uni.join().all(claims).andFailFast().await().atMost(WAIT);
        assertThat(results.stream().filter(Boolean.TRUE::equals).count()).isEqualTo(2);
        JoinTokenRepository.Stored after = tokens.find(store.pool(), stored.tokenId()).await().atMost(WAIT);
        assertThat(after.uses()).isEqualTo(2);
        assertThat(after.lastUsedAt()).isNotNull();
        assertThat(after.view(Sql.now()).state()).isEqualTo("USED_UP");
        assertThat(JoinTokens.matches("secret-" + stored.tokenId(), after.secretSha256())).isTrue();
        assertThat(JoinTokens.matches("secret-other", after.secretSha256())).isFalse();

        tokens.releaseUse(store.pool(), stored.tokenId()).await().atMost(WAIT);
        assertThat(tokens.claimUse(store.pool(), stored.tokenId(), Sql.now()).await().atMost(WAIT)).isTrue();
    }

    @Test
    void anExpiredOrRevokedTokenGivesNoUse() {
        JoinTokenRepository.Stored expired = token(5, Sql.now().minus(Duration.ofSeconds(1)));
        assertThat(tokens.claimUse(store.pool(), expired.tokenId(), Sql.now()).await().atMost(WAIT)).isFalse();
        assertThat(tokens.find(store.pool(), expired.tokenId()).await().atMost(WAIT).view(Sql.now()).state()).isEqualTo("EXPIRED");

        JoinTokenRepository.Stored revoked = token(5, Sql.now().plus(Duration.ofHours(1)));
        assertThat(tokens.revoke(store.pool(), revoked.tokenId(), Sql.now()).await().atMost(WAIT)).isTrue();
        assertThat(tokens.revoke(store.pool(), revoked.tokenId(), Sql.now()).await().atMost(WAIT)).isFalse();
        assertThat(tokens.claimUse(store.pool(), revoked.tokenId(), Sql.now()).await().atMost(WAIT)).isFalse();
        JoinTokenRepository.Stored after = tokens.find(store.pool(), revoked.tokenId()).await().atMost(WAIT);
        assertThat(after.uses()).isZero();
        assertThat(after.view(Sql.now()).state()).isEqualTo("REVOKED");
        assertThat(tokens.list(store.pool()).await().atMost(WAIT)).extracting(JoinTokenRepository.Stored::tokenId)
                .contains(expired.tokenId(), revoked.tokenId());
    }

    @Test
    void aHostHasOneJoinRow() {
        JoinTokenRepository.Stored stored = token(5, Sql.now().plus(Duration.ofHours(1)));
        String host = "contract-" + stored.tokenId();
        Instant now = Sql.now();
        tokens.insertJoin(store.pool(), new JoinTokenRepository.HostJoin(host, stored.tokenId(), "10.0.0.1", "[]", now, now))
                .await().atMost(WAIT);
        assertThatThrownBy(() -> tokens.insertJoin(store.pool(),
                new JoinTokenRepository.HostJoin(host, stored.tokenId(), "10.0.0.2", "[]", now, now)).await().atMost(WAIT))
                .matches(Sql::isUniqueViolation, "a unique violation");
        Instant later = now.plusSeconds(5);
        tokens.rejoined(store.pool(), host, "[{\"index\":0}]", later).await().atMost(WAIT);
        JoinTokenRepository.HostJoin join = tokens.findJoin(store.pool(), host).await().atMost(WAIT);
        assertThat(join.address()).isEqualTo("10.0.0.1");
        assertThat(join.gpuInventory()).isEqualTo("[{\"index\":0}]");
        assertThat(join.joinedAt()).isEqualTo(now);
        assertThat(join.lastJoinedAt()).isEqualTo(later);
        tokens.deleteJoin(store.pool(), host).await().atMost(WAIT);
        assertThat(tokens.findJoin(store.pool(), host).await().atMost(WAIT)).isNull();
    }
}
