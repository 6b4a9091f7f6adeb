package io.fleetlink.protocol;

import io.grpc.Status;

/**
 * One table between envelope/HTTP codes and gRPC status codes, used by the agent's gRPC service and
 * the controller's gRPC client so both transports report the same outcome.
 */
public final class StatusCodes {

    private StatusCodes() {
    }

    public static Status.Code toGrpc(int httpCode) {
        return switch (httpCode) {
            case 400, 413, 415, 422 -> Status.Code.INVALID_ARGUMENT;
            case 401 -> Status.Code.UNAUTHENTICATED;
            case 403 -> Status.Code.PERMISSION_DENIED;
            case 404 -> Status.Code.NOT_FOUND;
            case 409 -> Status.Code.ALREADY_EXISTS;
            case 412 -> Status.Code.FAILED_PRECONDITION;
            case 429 -> Status.Code.RESOURCE_EXHAUSTED;
            case 501 -> Status.Code.UNIMPLEMENTED;
            case 503 -> Status.Code.UNAVAILABLE;
            case 504 -> Status.Code.DEADLINE_EXCEEDED;
            default -> httpCode >= 500 ? Status.Code.INTERNAL : Status.Code.UNKNOWN;
        };
    }

    public static int toHttp(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case FAILED_PRECONDITION -> 412;
            case RESOURCE_EXHAUSTED -> 429;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
    }
}
