package io.fleetlink.controller.join;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;

/**
 * Before the body of a join is read: 404 when the controller role is off (the join endpoint is no
 * {@link io.fleetlink.web.ControllerApi}, so {@code ApiRoleFilter} does not cover it), 401 when the
 * request carries nothing shaped like a join token (an API credential is not one).
 */
@ApplicationScoped // a proxy: the filter is wired at static init, before runtime config exists
public class JoinGate {

    @Inject
    FleetlinkConfig fleetlink;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<RestResponse<Envelope<Void>>> filter(SimpleResourceInfo resource, ContainerRequestContext request) {
        if (resource.getResourceClass() != JoinResource.class) {
            return Optional.empty();
        }
        if (!fleetlink.role().runsController()) {
            return Optional.of(Envelopes.response(404, "not found: the controller API is off in role '"
                    + fleetlink.role().configName() + "'"));
        }
        if (JoinTokens.fromHeader(request.getHeaderString(HttpHeaders.AUTHORIZATION)).isEmpty()) {
            JoinResource.audit("-", "-", "-", 401, "no join token");
            return Optional.of(RestResponse.ResponseBuilder.create(RestResponse.Status.UNAUTHORIZED,
                            Envelope.<Void>error(401, "unauthorized: send 'Authorization: Bearer <join token>' with a join "
                                    + "token an admin created (fleetlink join-token create); no other credential opens "
                                    + "this endpoint"))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
        }
        return Optional.empty();
    }
}
