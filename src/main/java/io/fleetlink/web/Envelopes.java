package io.fleetlink.web;

import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.protocol.AgentResponse;

/** Builds HTTP responses whose status equals the envelope's code. */
public final class Envelopes {

    private Envelopes() {
    }

    public static <T> RestResponse<AgentResponse<T>> ok(T data) {
        return RestResponse.ok(AgentResponse.ok(data));
    }

    public static <T> RestResponse<AgentResponse<T>> of(int code, String message, T data) {
        return RestResponse.status(status(code), AgentResponse.of(code, message, data));
    }

    public static RestResponse<AgentResponse<Void>> response(int code, String message) {
        return of(code, message, null);
    }

    static Response.StatusType status(int code) {
        Response.StatusType known = Response.Status.fromStatusCode(code);
        return known != null ? known : new Response.StatusType() {
            @Override
            public int getStatusCode() {
                return code;
            }

            @Override
            public Response.Status.Family getFamily() {
                return Response.Status.Family.familyOf(code);
            }

            @Override
            public String getReasonPhrase() {
                return "";
            }
        };
    }
}
