package io.fleetlink.web;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.fleetlink.config.FleetlinkConfig;

/**
 * The first thing every API request meets: the API of a role that is off in this process answers
 * 404, before any credential is looked at. It is the HTTP side's one role switch; each role's own
 * gate (agent, controller) then checks the caller's token, still before the body is read.
 */
@ApplicationScoped // a proxy: the filter is wired at static init, before runtime config exists
public class ApiRoleFilter {

    /** Runs before the roles' authentication gates. */
    public static final int PRIORITY = Priorities.AUTHENTICATION - 100;

    @Inject
    FleetlinkConfig fleetlink;

    @ServerRequestFilter(priority = PRIORITY)
    public Optional<RestResponse<Envelope<Void>>> filter(SimpleResourceInfo resource) {
        Class<?> type = resource.getResourceClass();
        if (AgentApi.class.isAssignableFrom(type) && !fleetlink.role().runsAgent()) {
            return Optional.of(roleOff("agent"));
        }
        if (ControllerApi.class.isAssignableFrom(type) && !fleetlink.role().runsController()) {
            return Optional.of(roleOff("controller"));
        }
        return Optional.empty();
    }

    private RestResponse<Envelope<Void>> roleOff(String role) {
        return Envelopes.response(404, "not found: the " + role + " API is off in role '"
                + fleetlink.role().configName() + "'");
    }
}
