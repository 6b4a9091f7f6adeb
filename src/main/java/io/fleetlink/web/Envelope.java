package io.fleetlink.web;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The seed's response envelope, for every HTTP reply of agent and controller:
 * {@code {success, code, message, data}}, where {@code code} equals the HTTP status.
 */
@RegisterForReflection // the controller reads agent replies into it with treeToValue, out of the REST layer's sight
@JsonIgnoreProperties(ignoreUnknown = true)
public record Envelope<T>(
        boolean success,
        int code,
        String message,
        @JsonInclude(JsonInclude.Include.NON_NULL) T data) {

    public static <T> Envelope<T> ok(T data) {
        return new Envelope<>(true, 200, "ok", data);
    }

    public static <T> Envelope<T> of(int code, String message, T data) {
        return new Envelope<>(code >= 200 && code < 300, code, message, data);
    }

    public static Envelope<Void> error(int code, String message) {
        return new Envelope<>(false, code, message, null);
    }
}
