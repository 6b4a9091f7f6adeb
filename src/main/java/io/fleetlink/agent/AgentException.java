package io.fleetlink.agent;

import io.grpc.Status;

/**
 * A request the agent refuses or could not carry out, with the envelope code it answers with.
 * The message is shown to the caller: it says what was wrong and, where it helps, what to do.
 */
public class AgentException extends RuntimeException {

    private final int code;
    private Status.Code grpcStatus;

    public AgentException(int code, String message) {
        super(message);
        this.code = code;
    }

    public AgentException(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public int code() {
        return code;
    }

    /**
     * The gRPC status where it differs from what {@code StatusCodes} maps {@link #code} to (a stale
     * epoch is 409 over HTTP but FAILED_PRECONDITION over gRPC); null when the mapping applies.
     */
    public Status.Code grpcStatus() {
        return grpcStatus;
    }

    /** This exception, answered with {@code status} over gRPC. */
    public AgentException withGrpcStatus(Status.Code status) {
        this.grpcStatus = status;
        return this;
    }

    /** 400: {@code field} broke {@code rule}; nothing was changed. */
    public static AgentException badRequest(String field, String rule) {
        return new AgentException(400, field + ": " + rule);
    }

    public static AgentException forbidden(String message) {
        return new AgentException(403, message);
    }

    public static AgentException notFound(String message) {
        return new AgentException(404, message);
    }

    public static AgentException conflict(String message) {
        return new AgentException(409, message);
    }

    public static AgentException internal(String message, Throwable cause) {
        return new AgentException(500, message, cause);
    }
}
