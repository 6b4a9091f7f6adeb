package io.fleetlink.web;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestResponse;

/** Builds HTTP responses whose status equals the envelope's code. */
public final class Envelopes {

    private Envelopes() {
    }

    public static <T> RestResponse<Envelope<T>> ok(T data) {
        return RestResponse.ok(Envelope.ok(data));
    }

    public static <T> RestResponse<Envelope<T>> of(int code, String message, T data) {
        return RestResponse.status(status(code), Envelope.of(code, message, data));
    }

    public static RestResponse<Envelope<Void>> response(int code, String message) {
        return of(code, message, null);
    }

    /** 401 with a bearer challenge, telling the caller which setting holds the token to send. */
    public static RestResponse<Envelope<Void>> unauthorized(String setting) {
        return RestResponse.ResponseBuilder
                .create(status(401), Envelope.error(401,
                        "unauthorized: send 'Authorization: Bearer <token>' with the token set in " + setting))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
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
