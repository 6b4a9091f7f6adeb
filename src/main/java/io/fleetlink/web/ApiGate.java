package io.fleetlink.web;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.fleetlink.agent.security.AgentCredentials;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.controller.security.ControllerCredentials;
import io.fleetlink.protocol.AgentResponse;

/**
 * The first thing every API request meets: a role that is off answers 404, a wrong or missing
 * bearer token answers 401. It runs after routing but before the body is read, so an
 * unauthenticated caller cannot make the server parse anything.
 */
@ApplicationScoped // a proxy: the filter is wired at static init, before runtime config exists
public class ApiGate {

    @Inject
    FleetlinkConfig fleetlink;

    @Inject
    AgentCredentials agentCredentials;

    @Inject
    ControllerCredentials controllerCredentials;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<RestResponse<AgentResponse<Void>>> gate(SimpleResourceInfo resource, HttpHeaders headers) {
        Class<?> type = resource.getResourceClass();
        if (AgentApi.class.isAssignableFrom(type)) {
            if (!fleetlink.role().runsAgent()) {
                return Optional.of(roleOff("agent"));
            }
            if (!agentCredentials.accepts(headers.getHeaderString(HttpHeaders.AUTHORIZATION))) {
                return Optional.of(unauthorized("fleetlink.agent.auth.token"));
            }
        }
        if (ControllerApi.class.isAssignableFrom(type)) {
            if (!fleetlink.role().runsController()) {
                return Optional.of(roleOff("controller"));
            }
            if (!controllerCredentials.accepts(headers.getHeaderString(HttpHeaders.AUTHORIZATION))) {
                return Optional.of(unauthorized("fleetlink.controller.auth.token"));
            }
        }
        return Optional.empty();
    }

    private RestResponse<AgentResponse<Void>> roleOff(String role) {
        return Envelopes.response(404, "not found: the " + role + " API is off in role '"
                + fleetlink.role().configName() + "'");
    }

    private static RestResponse<AgentResponse<Void>> unauthorized(String setting) {
        return RestResponse.ResponseBuilder
                .create(Envelopes.status(401), AgentResponse.error(401,
                        "unauthorized: send 'Authorization: Bearer <token>' with the token set in " + setting))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }
}
