package io.fleetlink.agent.handler;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.protocol.AgentRpc;

/**
 * The audit log: one JSON object per line on the {@code fleetlink.audit} category (the message is the
 * raw JSON, so a handler with format {@code %s%n} writes JSON lines), so it can be routed to its own
 * handler and parsed. One line per request, written when what it did ended:
 * <ul>
 * <li>{@code execution}: the request ran; written when the work ends, whether or not its caller is
 * still waiting (hung on the work, not on the reply);</li>
 * <li>{@code replay}: a retry with the same request id, served the outcome of the original run
 * (waiting for it when it was still running); nothing ran again;</li>
 * <li>{@code rejected}: refused before anything was done (disabled, invalid, stale epoch, ...).</li>
 * </ul>
 * Fields: {@code event, request_id, operation, target, epoch} (the request's; null when unfenced),
 * {@code transport, credential, result, duration_ms}. Never a token, a key body or command output.
 */
public final class AuditLog {

    public static final String CATEGORY = "fleetlink.audit";

    private static final Logger AUDIT = Logger.getLogger(CATEGORY);
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditLog() {
    }

    public static void execution(AgentRpc operation, String target, RequestMeta meta, String result, long durationMs) {
        write("execution", operation, target, meta, result, durationMs);
    }

    public static void replay(AgentRpc operation, String target, RequestMeta meta, String result, long durationMs) {
        write("replay", operation, target, meta, result, durationMs);
    }

    public static void rejected(AgentRpc operation, String target, RequestMeta meta, String result, long durationMs) {
        write("rejected", operation, target, meta, result, durationMs);
    }

    /** A call refused before anything was done, by the credential {@code credential} (its id, never its token). */
    public static void rejected(AgentRpc operation, String target, RequestMeta meta, String result, long durationMs,
            String credential) {
        write("rejected", operation, target, meta, result, durationMs, credential);
    }

    private static void write(String event, AgentRpc operation, String target, RequestMeta meta, String result, long durationMs) {
        write(event, operation, target, meta, result, durationMs, meta.credential());
    }

    private static void write(String event, AgentRpc operation, String target, RequestMeta meta, String result, long durationMs,
            String credential) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", event);
        line.put("request_id", meta.requestId().orElse(null));
        line.put("operation", operation.configName());
        line.put("target", target);
        line.put("epoch", meta.epoch().isPresent() ? meta.epoch().getAsLong() : null);
        line.put("transport", meta.transport());
        line.put("credential", credential);
        line.put("result", result);
        line.put("duration_ms", durationMs);
        try {
            AUDIT.info(JSON.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            AUDIT.errorf("cannot write an audit line for %s %s: %s", operation.configName(), target, e.getMessage());
        }
    }
}
