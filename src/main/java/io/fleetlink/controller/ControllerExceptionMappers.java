package io.fleetlink.controller;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.fleetlink.controller.client.AgentClientException;
import io.fleetlink.controller.client.AgentRejectedException;
import io.fleetlink.controller.client.AgentTimeoutException;
import io.fleetlink.controller.client.UnknownHostIdException;
import io.fleetlink.protocol.AgentResponse;
import io.fleetlink.web.Envelopes;

/**
 * Maps what an agent call can end with onto the controller API's envelope: an agent's own 4xx
 * passes through, an unreachable or failing agent is 502, a timeout 504, an unknown host 404.
 */
public class ControllerExceptionMappers {

    @ServerExceptionMapper
    public RestResponse<AgentResponse<Void>> agentCall(AgentClientException e) {
        return Envelopes.response(status(e), e.getMessage());
    }

    @ServerExceptionMapper
    public RestResponse<AgentResponse<Void>> unknownHost(UnknownHostIdException e) {
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
