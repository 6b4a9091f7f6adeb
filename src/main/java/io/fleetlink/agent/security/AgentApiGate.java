package io.fleetlink.agent.security;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.fleetlink.web.AgentApi;
import io.vertx.core.http.HttpServerRequest;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;

/**
 * A request to the agent API without the agent's bearer token (or, with mutual TLS, without a
 * controller's certificate, see {@link ControllerCertificates}) answers 401. It runs after routing but
 * before the body is read, so an unauthenticated caller cannot make the agent parse anything.
 */
@ApplicationScoped // a proxy: the filter is wired at static init, before runtime config exists
public class AgentApiGate {

    @Inject
    AgentCredentials credentials;

    @Inject
    ControllerCertificates certificates;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<RestResponse<Envelope<Void>>> filter(SimpleResourceInfo resource, HttpHeaders headers,
            HttpServerRequest request) {
        if (!AgentApi.class.isAssignableFrom(resource.getResourceClass())) {
            return Optional.empty();
        }
        Optional<String> refusal = certificates.refusal(request.sslSession());
        if (refusal.isPresent()) {
            return Optional.of(Envelopes.response(401, "unauthorized: " + refusal.get()));
        }
        if (!credentials.accepts(headers.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return Optional.of(Envelopes.unauthorized("fleetlink.agent.auth.token"));
        }
        return Optional.empty();
    }
}
