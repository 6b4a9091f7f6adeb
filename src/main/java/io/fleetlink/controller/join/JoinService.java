package io.fleetlink.controller.join;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.controller.api.ControllerException;
import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.client.ControllerAgentToken;
import io.fleetlink.controller.host.Host;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.host.HostService;
import io.fleetlink.controller.host.RegisterHostRequest;
import io.fleetlink.controller.store.Sql;
import io.fleetlink.controller.store.Store;
import io.fleetlink.protocol.JoinRequest;
import io.fleetlink.protocol.JoinResponse;
import io.smallrye.mutiny.Uni;

/**
 * Join tokens and joins. An admin creates a token (single- or multi-use, with an expiry); a machine
 * presents it once to {@code POST /api/v1/join}, is registered as {@link HostService#register} does,
 * and gets its own per-host credential (the token derived from
 * {@code fleetlink.controller.agent-token-secret}).
 *
 * <p>A re-join of a host with the token it joined with is idempotent: the same registration, the
 * same credential, no further use of the token (so a machine whose answer was lost, or whose state
 * directory was wiped, can join again while the token is good, even a single-use one). A re-join from
 * another address or ports is refused (409): a join token must not move a registered host's traffic;
 * deregister the host first. A host registered by hand or with another token cannot be taken over by
 * a join token (409). Labels and ports given again on a re-join are not changed.
 */
@ApplicationScoped
public class JoinService {

    static final Duration MAX_TTL = Duration.ofDays(30);

    private final Store store;
    private final JoinTokenRepository tokens;
    private final HostRepository hosts;
    private final HostService hostService;
    private final ControllerAgentToken agentTokens;
    private final RequestChecks checks;
    private final ObjectMapper json;

    public JoinService(Store store, JoinTokenRepository tokens, HostRepository hosts, HostService hostService,
            ControllerAgentToken agentTokens, RequestChecks checks, ObjectMapper json) {
        this.store = store;
        this.tokens = tokens;
        this.hosts = hosts;
        this.hostService = hostService;
        this.agentTokens = agentTokens;
        this.checks = checks;
        this.json = json;
    }

    /** Creates a token; the answer holds it, the store only its hash. */
    public Uni<JoinTokenCreated> create(CreateJoinTokenRequest request, String createdBy) {
        return Uni.createFrom().deferred(() -> {
            CreateJoinTokenRequest valid = checks.valid(request == null ? new CreateJoinTokenRequest(null, null, null) : request);
            int uses = valid.uses() == null ? 1 : valid.uses();
            Duration ttl = valid.ttl() == null ? Duration.ofHours(1) : ttl(valid.ttl());
            if (ttl.compareTo(MAX_TTL) > 0) {
                throw ControllerException.invalid("ttl", "must be at most 30d");
            }
            Instant now = Sql.now();
            String id = JoinTokens.newId();
            String secret = JoinTokens.newSecret();
            JoinTokenRepository.Stored stored = new JoinTokenRepository.Stored(id, JoinTokens.sha256Hex(secret),
                    valid.description(), uses, 0, now.plus(ttl), null, createdBy, now, null);
            return tokens.insert(store.pool(), stored)
                    .replaceWith(new JoinTokenCreated(id, id + "." + secret, uses, stored.expiresAt()));
        });
    }

    public Uni<List<JoinToken>> list() {
        return Uni.createFrom().deferred(() -> tokens.list(store.pool()))
                .map(all -> {
                    Instant now = Sql.now();
                    return all.stream().map(token -> token.view(now)).toList();
                });
    }

    /** Revokes a token: no machine joins with it any more; hosts that joined keep their credentials. */
    public Uni<JoinToken> revoke(String tokenId) {
        return Uni.createFrom().deferred(() -> {
            validId(tokenId);
            Instant now = Sql.now();
            return tokens.revoke(store.pool(), tokenId, now)
                    .chain(() -> tokens.find(store.pool(), tokenId))
                    .map(token -> {
                        if (token == null) {
                            throw ControllerException.notFound("join token '" + tokenId + "' does not exist");
                        }
                        return token.view(now);
                    });
        });
    }

    /**
     * Joins the machine {@code request} describes, authenticated by the join token in
     * {@code authorization}.
     *
     * @throws JoinRefusedException (as a failure) for a token that is unknown, revoked, expired or used up
     */
    public Uni<JoinResponse> join(String authorization, JoinRequest request) {
        return Uni.createFrom().deferred(() -> {
            JoinTokens.Parsed presented = JoinTokens.fromHeader(authorization).orElseThrow(() -> new JoinRefusedException("-",
                    "unauthorized: send 'Authorization: Bearer <join token>' with a join token an admin created "
                            + "(fleetlink join-token create); no other credential opens this endpoint"));
            return tokens.find(store.pool(), presented.id())
                    .chain(token -> {
                        Instant now = Sql.now();
                        check(presented, token, now);
                        if (!agentTokens.perHost()) {
                            throw ControllerException.conflict("joining is off: the controller has no "
                                    + "fleetlink.controller.agent-token-secret(-file), so it cannot give a joining host "
                                    + "its own credential; set the secret on the controller (README 'Securing a fleet')");
                        }
                        RegisterHostRequest registration = checks.valid(registration(request));
                        String gpus = gpuInventory(request);
                        return tokens.findJoin(store.pool(), registration.hostId())
                                .chain(previous -> hosts.find(store.pool(), registration.hostId())
                                        .chain(host -> join(token, registration, gpus, previous, host, now)));
                    });
        });
    }

    private Uni<JoinResponse> join(JoinTokenRepository.Stored token, RegisterHostRequest registration, String gpus,
            JoinTokenRepository.HostJoin previous, Host host, Instant now) {
        String hostId = registration.hostId();
        if (previous != null && previous.tokenId().equals(token.tokenId())) {
            if (host != null) {
                if (!sameEndpoint(host, registration)) {
                    throw ControllerException.conflict("host '" + hostId + "' joined at " + endpoint(host.address(),
                            host.httpPort(), host.grpcPort()) + " and asks to join again at " + endpoint(registration.address(),
                            registration.httpPort(), registration.grpcPort()) + "; a join token does not move a host: "
                            + "deregister it first (DELETE /api/v1/hosts/" + hostId + ")");
                }
                return tokens.rejoined(store.pool(), hostId, gpus, now)
                        .chain(() -> tokens.touch(store.pool(), token.tokenId(), now))
                        .replaceWith(() -> answer(hostId, true));
            }
            // Joined with this token, then deregistered (or the registration failed half-way): the use
            // was this host's, so it registers again without another.
            return hostService.register(registration)
                    .call(() -> tokens.rejoined(store.pool(), hostId, gpus, now))
                    .call(() -> tokens.touch(store.pool(), token.tokenId(), now))
                    .replaceWith(() -> answer(hostId, true));
        }
        if (host != null) {
            throw ControllerException.conflict("host '" + hostId + "' is already registered"
                    + (previous != null ? " (it joined with another join token)" : " (by hand)")
                    + "; a join token cannot take over a registered host: deregister it first (DELETE /api/v1/hosts/"
                    + hostId + ") or give the machine another host id");
        }
        Uni<Void> stale = previous != null ? tokens.deleteJoin(store.pool(), hostId) : Uni.createFrom().voidItem();
        JoinTokenRepository.HostJoin join = new JoinTokenRepository.HostJoin(hostId, token.tokenId(), registration.address(),
                gpus, now, now);
        return tokens.claimUse(store.pool(), token.tokenId(), now)
                .chain(claimed -> {
                    if (!claimed) {
                        // Another machine took the last use meanwhile (or the token lapsed this instant).
                        return tokens.find(store.pool(), token.tokenId()).map(latest -> {
                            check(null, latest, now);
                            throw usedUp(latest);
                        });
                    }
                    return stale.chain(() -> tokens.insertJoin(store.pool(), join))
                            .onFailure(Sql::isUniqueViolation).transform(e -> ControllerException.conflict(
                                    "host '" + hostId + "' is joining from another request right now; try again"))
                            .onFailure().call(() -> tokens.releaseUse(store.pool(), token.tokenId()))
                            .chain(() -> hostService.register(registration)
                                    .onFailure().call(() -> tokens.deleteJoin(store.pool(), hostId)
                                            .chain(() -> tokens.releaseUse(store.pool(), token.tokenId()))
                                            .onFailure().recoverWithNull()))
                            .replaceWith(() -> answer(hostId, false));
                });
    }

    private JoinResponse answer(String hostId, boolean rejoined) {
        String credential = agentTokens.derivedFor(hostId).orElseThrow(() -> ControllerException.conflict(
                "joining is off: the controller has no fleetlink.controller.agent-token-secret(-file)"));
        return new JoinResponse(hostId, credential, rejoined);
    }

    /** Refuses a token that is unknown, does not match, is revoked, expired or (for {@code presented} == null) used up. */
    private static void check(JoinTokens.Parsed presented, JoinTokenRepository.Stored token, Instant now) {
        if (token == null || (presented != null && !JoinTokens.matches(presented.secret(), token.secretSha256()))) {
            throw new JoinRefusedException(presented == null ? "-" : presented.id(),
                    "unauthorized: the join token is not known to this controller; ask an admin for one "
                            + "(fleetlink join-token create)");
        }
        if (token.revokedAt() != null) {
            throw new JoinRefusedException(token.tokenId(), "unauthorized: join token " + token.tokenId() + " was revoked at "
                    + token.revokedAt() + "; ask an admin for a new one");
        }
        if (!token.expiresAt().isAfter(now)) {
            throw new JoinRefusedException(token.tokenId(), "unauthorized: join token " + token.tokenId() + " expired at "
                    + token.expiresAt() + "; ask an admin for a new one");
        }
        if (presented != null || token.uses() < token.maxUses()) {
            return;
        }
        throw usedUp(token);
    }

    private static JoinRefusedException usedUp(JoinTokenRepository.Stored token) {
        return new JoinRefusedException(token.tokenId(), "unauthorized: join token " + token.tokenId() + " is used up ("
                + token.uses() + " of " + token.maxUses() + (token.maxUses() == 1 ? " use" : " uses")
                + "); ask an admin for a new one");
    }

    private static RegisterHostRequest registration(JoinRequest request) {
        if (request == null) {
            throw ControllerException.invalid("body", "must be a join request with host_id and address");
        }
        return new RegisterHostRequest(request.hostId(), request.address(), request.httpPort(), request.grpcPort(),
                request.labels() == null ? Map.of() : request.labels());
    }

    private String gpuInventory(JoinRequest request) {
        List<JoinRequest.Gpu> gpus = request.gpus() == null ? List.of() : request.gpus();
        if (gpus.size() > 64) {
            throw ControllerException.invalid("gpus", "at most 64 GPUs");
        }
        for (JoinRequest.Gpu gpu : gpus) {
            if ((gpu.uuid() != null && gpu.uuid().length() > 128) || (gpu.name() != null && gpu.name().length() > 256)) {
                throw ControllerException.invalid("gpus", "a GPU's uuid is at most 128 and its name 256 characters");
            }
        }
        try {
            return json.writeValueAsString(gpus);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the GPU inventory", e);
        }
    }

    private static boolean sameEndpoint(Host host, RegisterHostRequest request) {
        return host.address().equals(request.address()) && Objects.equals(host.httpPort(), request.httpPort())
                && Objects.equals(host.grpcPort(), request.grpcPort());
    }

    private static String endpoint(String address, Integer http, Integer grpc) {
        return address + " (http " + (http == null ? "default" : http) + ", grpc " + (grpc == null ? "default" : grpc) + ")";
    }

    static String validId(String tokenId) {
        return RequestChecks.id("token_id", tokenId, JoinTokens.ID.pattern(), "must be 12 lowercase hex characters");
    }

    private static Duration ttl(String text) {
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            case 'h' -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }
}
