package io.fleetlink.controller.api;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.fleetlink.controller.client.AgentClientException;
import io.fleetlink.controller.client.AgentRejectedException;
import io.fleetlink.controller.client.AgentTimeoutException;
import io.fleetlink.controller.client.UnknownHostIdException;
import io.fleetlink.controller.store.StoreOutage;
import io.fleetlink.controller.store.StoreUnavailableException;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;

/**
 * Maps the controller's domain errors onto the controller API's envelope: a refused request is 400,
 * 404 or 409 by its kind; for a failed agent call, the agent's own 4xx passes through, an
 * unreachable or failing agent is 502, a timeout 504, an unknown host 404.
 */
public class ControllerExceptionMappers {

    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> refused(ControllerException e) {
        return Envelopes.response(status(e.kind()), e.getMessage());
    }

    public static int status(ControllerException.Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
        };
    }

    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> agentCall(AgentClientException e) {
        return Envelopes.response(status(e), e.getMessage());
    }

    /**
     * The store is down or restarting: 503 with {@code Retry-After}, never a 500 naming a driver
     * exception. Logged once per outage by {@link StoreOutage}, not once per request.
     */
    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> storeUnavailable(StoreUnavailableException e) {
        io.quarkus.arc.InstanceHandle<StoreOutage> outage = io.quarkus.arc.Arc.container().instance(StoreOutage.class);
        if (outage.isAvailable()) {
            outage.get().down(e);
        }
        return RestResponse.ResponseBuilder.create(RestResponse.Status.SERVICE_UNAVAILABLE,
                        io.fleetlink.web.Envelope.error(503, STORE_UNAVAILABLE))
                .header("Retry-After", "2")
                .build();
    }

    /** The message of a 503 for a store fault. */
    public static final String STORE_UNAVAILABLE = "store unavailable, retry";

    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> unknownHost(UnknownHostIdException e) {
        return Envelopes.response(404, e.getMessage());
    }

    /** The controller's status for a failed agent call: 4xx kept, timeout 504, anything else 502. */
    public static int status(Throwable e) {
        if (e instanceof AgentTimeoutException) {
            return 504;
        }
        if (e instanceof AgentRejectedException rejected && rejected.code() >= 400 && rejected.code() < 500
                && rejected.code() != 401) {
            return rejected.code();
        }
        if (e instanceof UnknownHostIdException) {
            return 404;
        }
        return 502;
    }
}
