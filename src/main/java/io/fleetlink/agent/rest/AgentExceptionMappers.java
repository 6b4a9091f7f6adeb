package io.fleetlink.agent.rest;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.fleetlink.agent.AgentException;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.quarkus.logging.Log;

/** Maps a request the agent refused or could not carry out onto the envelope, with its code as the HTTP status. */
public class AgentExceptionMappers {

    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> refused(AgentException e) {
        if (e.code() >= 500) {
            Log.errorf(e.getCause(), "Request failed: %s", e.getMessage());
        }
        return Envelopes.response(e.code(), e.getMessage());
    }
}
