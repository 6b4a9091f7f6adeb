package io.fleetlink.controller.security;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;

/**
 * A request to the controller API without the controller's bearer token answers 401, before the body
 * is read.
 */
@ApplicationScoped // a proxy: the filter is wired at static init, before runtime config exists
public class ControllerApiGate {

    @Inject
    ControllerCredentials credentials;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<RestResponse<Envelope<Void>>> filter(SimpleResourceInfo resource, HttpHeaders headers) {
        if (ControllerApi.class.isAssignableFrom(resource.getResourceClass())
                && !credentials.accepts(headers.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return Optional.of(Envelopes.unauthorized("fleetlink.controller.auth.token"));
        }
        return Optional.empty();
    }
}
