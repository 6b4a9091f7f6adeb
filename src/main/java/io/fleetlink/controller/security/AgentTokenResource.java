package io.fleetlink.controller.security;

import com.fasterxml.jackson.annotation.JsonInclude;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.controller.api.ControllerException;
import io.fleetlink.controller.api.ControllerIds;
import io.fleetlink.controller.api.RequestChecks;
import io.fleetlink.controller.client.ControllerAgentToken;
import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;

/**
 * {@code GET /api/v1/agent-tokens/{host_id}} (admin only): the token to install on a host as its
 * {@code fleetlink.agent.auth.token-file}, derived from {@code fleetlink.controller.agent-token-secret}.
 * With per-host exec tokens ({@code fleetlink.controller.agent-exec-token-secret}) the answer also
 * carries the host's {@code exec_token}, its {@code fleetlink.agent.auth.clients.exec.token-file}.
 * The host need not be registered yet, so a machine can be prepared before it joins. The answer is
 * never cached; the secrets themselves are never returned.
 */
@Path("/api/v1/agent-tokens")
@Produces(MediaType.APPLICATION_JSON)
public class AgentTokenResource implements ControllerApi {

    /** The answer: the host, its token, and its exec token when exec tokens are per host (else absent). */
    public record AgentToken(String hostId, String token, @JsonInclude(JsonInclude.Include.NON_NULL) String execToken) {
        @Override
        public String toString() {
            return "AgentToken[" + hostId + ", tokens redacted]";
        }
    }

    private final ControllerAgentToken tokens;

    public AgentTokenResource(ControllerAgentToken tokens) {
        this.tokens = tokens;
    }

    @GET
    @Path("/{host_id}")
    public RestResponse<Envelope<AgentToken>> get(@PathParam("host_id") String hostId) {
        RequestChecks.id("host_id", hostId, ControllerIds.HOST_ID, ControllerIds.HOST_ID_RULE);
        String token = tokens.derivedFor(hostId).orElseThrow(() -> new ControllerException(ControllerException.Kind.CONFLICT,
                "tokens are not per host: set fleetlink.controller.agent-token-secret-file on the controller"));
        return RestResponse.ResponseBuilder.ok(Envelope.ok(new AgentToken(hostId, token, tokens.execDerivedFor(hostId).orElse(null))))
                .header("Cache-Control", "no-store")
                .build();
    }
}
