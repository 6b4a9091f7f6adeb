package io.fleetlink.controller.security;

import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.fleetlink.config.ApiRole;
import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.fleetlink.web.RequestIds;

/**
 * Who may call the controller API, decided before the body is read: no known credential is a 401; a
 * credential whose role may not call the endpoint ({@link ApiPermissions}) is a 403 that names the role
 * needed. Every mutating call, allowed or not, leaves one line on the {@code fleetlink.audit} category
 * with the caller's credential id, role, the call and its status; never a token.
 */
@ApplicationScoped // a proxy: the filter is wired at static init, before runtime config exists
public class ControllerApiGate {

    /** The request property that holds the {@link ControllerCredentials.Caller}. */
    public static final String CALLER = "fleetlink.caller";

    private static final Logger AUDIT = Logger.getLogger("fleetlink.audit");

    @Inject
    ControllerCredentials credentials;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<RestResponse<Envelope<Void>>> filter(SimpleResourceInfo resource, ContainerRequestContext request) {
        if (!ControllerApi.class.isAssignableFrom(resource.getResourceClass())) {
            return Optional.empty();
        }
        Optional<ControllerCredentials.Caller> caller = credentials.authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (caller.isEmpty()) {
            return Optional.of(Envelopes.unauthorized("fleetlink.controller.auth.token or fleetlink.controller.auth.clients.<name>"));
        }
        request.setProperty(CALLER, caller.get());
        String method = request.getMethod();
        String path = request.getUriInfo().getRequestUri().getRawPath();
        Set<ApiRole> allowed = ApiPermissions.allowed(method, path);
        if (!allowed.contains(caller.get().role())) {
            return Optional.of(Envelopes.response(403, "forbidden: " + method + " " + ApiPermissions.pattern(method, path)
                    + " needs role " + ApiPermissions.describe(allowed) + "; credential '" + caller.get().id()
                    + "' has role " + caller.get().role().configName()));
        }
        return Optional.empty();
    }

    @ServerResponseFilter
    public void audit(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(request.getProperty(CALLER) instanceof ControllerCredentials.Caller caller) || !mutating(request.getMethod())) {
            return;
        }
        String requestId = request.getHeaderString(RequestIds.HEADER);
        // Concatenated, not infof: java.util.Formatter (its locale lookups per number) cost this line more
        // than writing it, on every mutating call (a flame graph of exec through the controller).
        AUDIT.info("api=controller credential=" + caller.id() + " role=" + caller.role().configName()
                + " method=" + request.getMethod() + " path=" + request.getUriInfo().getRequestUri().getRawPath()
                + " status=" + response.getStatus()
                + " request_id=" + (requestId == null ? "-" : RequestIds.valid(requestId) ? requestId : "invalid"));
    }

    private static boolean mutating(String method) {
        return !(HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.OPTIONS.equals(method));
    }
}
