package io.fleetlink.agent.handler;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import io.fleetlink.agent.AgentException;
import io.fleetlink.web.RequestIds;

/**
 * What a transport knows about a request besides its body: the caller's request id (for
 * deduplication and the audit log), its fencing epoch (absent: unfenced), the transport and the id of
 * the credential it presented, for the audit log.
 */
public record RequestMeta(Optional<String> requestId, OptionalLong epoch, String transport, String credential) {

    /** The credential id when a transport does not say: the agent's main token. */
    public static final String MAIN_CREDENTIAL = "agent-token";

    public RequestMeta(Optional<String> requestId, OptionalLong epoch, String transport) {
        this(requestId, epoch, transport, MAIN_CREDENTIAL);
    }

    /** This request as presented by the credential {@code id} (null: the main one). */
    public RequestMeta withCredential(String id) {
        return new RequestMeta(requestId, epoch, transport, id == null ? MAIN_CREDENTIAL : id);
    }

    /** HTTP header carrying the fencing epoch. */
    public static final String EPOCH_HEADER = "X-Fleetlink-Epoch";
    /** gRPC metadata key carrying the fencing epoch. */
    public static final String EPOCH_METADATA_KEY = "x-fleetlink-epoch";
    static final String EPOCH_RULE = "must be a decimal integer from 0 to 9223372036854775807 (the host's fencing epoch)";

    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,19}");

    public RequestMeta(Optional<String> requestId, String transport) {
        this(requestId, OptionalLong.empty(), transport);
    }

    /**
     * @param rawRequestId the {@code X-Request-Id} header or {@code x-request-id} metadata, may be null
     * @throws AgentException 400 when the id is not a short token
     */
    public static RequestMeta of(String rawRequestId, String transport) {
        return of(rawRequestId, null, transport);
    }

    /**
     * @param rawEpoch the {@code X-Fleetlink-Epoch} header or {@code x-fleetlink-epoch} metadata; null
     *        when absent
     * @throws AgentException 400 when the id is not a short token or the epoch not a decimal int64 >= 0
     */
    public static RequestMeta of(String rawRequestId, String rawEpoch, String transport) {
        Optional<String> requestId = Optional.empty();
        if (rawRequestId != null && !rawRequestId.isEmpty()) {
            if (!RequestIds.valid(rawRequestId)) {
                throw AgentException.badRequest(RequestIds.HEADER, RequestIds.RULE);
            }
            requestId = Optional.of(rawRequestId);
        }
        return new RequestMeta(requestId, parseEpoch(rawEpoch), transport);
    }

    /** Absent or empty: unfenced (an empty header is dropped on the way over HTTP, so gRPC treats it alike). */
    static OptionalLong parseEpoch(String raw) {
        if (raw == null || raw.isEmpty()) {
            return OptionalLong.empty();
        }
        if (!DECIMAL.matcher(raw).matches()) {
            throw AgentException.badRequest(EPOCH_HEADER, EPOCH_RULE);
        }
        try {
            return OptionalLong.of(Long.parseLong(raw));
        } catch (NumberFormatException e) {
            throw AgentException.badRequest(EPOCH_HEADER, EPOCH_RULE);
        }
    }
}
