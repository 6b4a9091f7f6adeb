package io.fleetlink.controller.join;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.controller.security.ControllerCredentials;
import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.smallrye.mutiny.Uni;

/**
 * Join tokens (admin only, see {@code ApiPermissions}): {@code POST /api/v1/join-tokens} creates one and
 * answers the token once ({@code Cache-Control: no-store}); {@code GET} lists them without secrets;
 * {@code DELETE /api/v1/join-tokens/{token_id}} revokes one.
 */
@Path("/api/v1/join-tokens")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class JoinTokenResource implements ControllerApi {

    private final JoinService joins;
    private final ControllerCredentials credentials;

    public JoinTokenResource(JoinService joins, ControllerCredentials credentials) {
        this.joins = joins;
        this.credentials = credentials;
    }

    @POST
    public Uni<RestResponse<Envelope<JoinTokenCreated>>> create(CreateJoinTokenRequest request,
            @RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        String createdBy = credentials.authenticate(authorization).map(ControllerCredentials.Caller::id).orElse("-");
        return joins.create(request, createdBy)
                .map(created -> RestResponse.ResponseBuilder.create(RestResponse.Status.CREATED,
                                Envelope.of(201, "created; the token is shown only now", created))
                        .header("Cache-Control", "no-store")
                        .build());
    }

    @GET
    public Uni<RestResponse<Envelope<List<JoinToken>>>> list() {
        return joins.list().map(Envelopes::ok);
    }

    @DELETE
    @Path("/{token_id}")
    public Uni<RestResponse<Envelope<JoinToken>>> revoke(@PathParam("token_id") String tokenId) {
        return joins.revoke(tokenId).map(token -> Envelopes.of(200, "revoked", token));
    }
}
