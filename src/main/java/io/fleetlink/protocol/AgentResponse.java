package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The seed's response envelope, for every HTTP reply of agent and controller:
 * {@code {success, code, message, data}}, where {@code code} equals the HTTP status.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AgentResponse<T>(
        boolean success,
        int code,
        String message,
        @JsonInclude(JsonInclude.Include.NON_NULL) T data) {

    public static <T> AgentResponse<T> ok(T data) {
        return new AgentResponse<>(true, 200, "ok", data);
    }

    public static <T> AgentResponse<T> of(int code, String message, T data) {
        return new AgentResponse<>(code >= 200 && code < 300, code, message, data);
    }

    public static AgentResponse<Void> error(int code, String message) {
        return new AgentResponse<>(false, code, message, null);
    }
}
