package io.fleetlink.agent.handler;

import java.util.Optional;
import java.util.regex.Pattern;

import io.fleetlink.agent.AgentException;

/**
 * What a transport knows about a request besides its body: the caller's request id (for
 * deduplication and the audit log) and the transport, for the audit log.
 */
public record RequestMeta(Optional<String> requestId, String transport) {

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /**
     * @param rawRequestId the {@code X-Request-Id} header or {@code x-request-id} metadata, may be null
     * @throws AgentException 400 when the id is not a short token
     */
    public static RequestMeta of(String rawRequestId, String transport) {
        if (rawRequestId == null || rawRequestId.isEmpty()) {
            return new RequestMeta(Optional.empty(), transport);
        }
        if (!REQUEST_ID.matcher(rawRequestId).matches()) {
            throw AgentException.badRequest("X-Request-Id", "must be 1 to 128 characters of letters, digits and . _ : -");
        }
        return new RequestMeta(Optional.of(rawRequestId), transport);
    }
}
