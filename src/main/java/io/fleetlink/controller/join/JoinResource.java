package io.fleetlink.controller.join;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.controller.api.ControllerException;
import io.fleetlink.controller.api.ControllerExceptionMappers;
import io.fleetlink.protocol.JoinRequest;
import io.fleetlink.protocol.JoinResponse;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.smallrye.mutiny.Uni;

/**
 * {@code POST /api/v1/join}: a machine joins the fleet with a join token and gets its own credential.
 * Not a {@link io.fleetlink.web.ControllerApi}: no API credential opens it, only a join token does
 * ({@link JoinGate} checks its shape before the body is read, {@link JoinService} the rest). Every join,
 * accepted or refused, leaves one line on {@code fleetlink.audit} with the token's id, never a secret.
 */
@Path("/api/v1/join")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class JoinResource {

    private static final Logger AUDIT = Logger.getLogger("fleetlink.audit");

    private final JoinService joins;

    public JoinResource(JoinService joins) {
        this.joins = joins;
    }

    @POST
    public Uni<RestResponse<Envelope<JoinResponse>>> join(JoinRequest request,
            @RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        String tokenId = JoinTokens.fromHeader(authorization).map(JoinTokens.Parsed::id).orElse("-");
        String hostId = request == null ? "-" : String.valueOf(request.hostId());
        String address = request == null ? "-" : String.valueOf(request.address());
        return joins.join(authorization, request)
                .map(joined -> {
                    audit(tokenId, hostId, address, joined.rejoined() ? 200 : 201, joined.rejoined() ? "rejoined" : "joined");
                    return RestResponse.ResponseBuilder.create(joined.rejoined() ? RestResponse.Status.OK : RestResponse.Status.CREATED,
                                    Envelope.of(joined.rejoined() ? 200 : 201, joined.rejoined() ? "rejoined" : "joined", joined))
                            .header("Cache-Control", "no-store")
                            .build();
                })
                .onFailure(JoinRefusedException.class).recoverWithItem(e -> {
                    audit(tokenId, hostId, address, 401, e.getMessage());
                    return refused(401, e.getMessage());
                })
                .onFailure(ControllerException.class).recoverWithItem(e -> {
                    int status = ControllerExceptionMappers.status(((ControllerException) e).kind());
                    audit(tokenId, hostId, address, status, e.getMessage());
                    return refused(status, e.getMessage());
                });
    }

    @SuppressWarnings("unchecked")
    private static RestResponse<Envelope<JoinResponse>> refused(int status, String message) {
        RestResponse<?> response = status == 401
                ? RestResponse.ResponseBuilder.create(RestResponse.Status.UNAUTHORIZED, Envelope.error(401, message))
                        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build()
                : Envelopes.response(status, message);
        return (RestResponse<Envelope<JoinResponse>>) response;
    }

    static void audit(String tokenId, String hostId, String address, int status, String outcome) {
        AUDIT.infof("api=controller credential=join-token:%s method=POST path=/api/v1/join host_id=%s address=%s status=%d "
                + "outcome=%s", tokenId, hostId, address, status, outcome);
    }
}
