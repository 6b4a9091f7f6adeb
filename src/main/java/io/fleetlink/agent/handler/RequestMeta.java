package io.fleetlink.agent.handler;

import java.util.Optional;

import io.fleetlink.agent.AgentException;
import io.fleetlink.web.RequestIds;

/**
 * What a transport knows about a request besides its body: the caller's request id (for
 * deduplication and the audit log) and the transport, for the audit log.
 */
public record RequestMeta(Optional<String> requestId, String transport) {

    /**
     * @param rawRequestId the {@code X-Request-Id} header or {@code x-request-id} metadata, may be null
     * @throws AgentException 400 when the id is not a short token
     */
    public static RequestMeta of(String rawRequestId, String transport) {
        if (rawRequestId == null || rawRequestId.isEmpty()) {
            return new RequestMeta(Optional.empty(), transport);
        }
        if (!RequestIds.valid(rawRequestId)) {
            throw AgentException.badRequest(RequestIds.HEADER, RequestIds.RULE);
        }
        return new RequestMeta(Optional.of(rawRequestId), transport);
    }
}
