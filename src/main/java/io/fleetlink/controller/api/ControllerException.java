package io.fleetlink.controller.api;

/**
 * A request the controller refuses, by kind: what the services throw, never an HTTP status. The
 * message is shown to the caller: it says what was wrong and, where it helps, what to do. The API
 * layer ({@link ControllerExceptionMappers}) turns each kind into its status.
 */
public class ControllerException extends RuntimeException {

    /** Why the request was refused. */
    public enum Kind {
        /** The request broke a rule; nothing was changed. */
        INVALID,
        /** What the request names does not exist. */
        NOT_FOUND,
        /** The request clashes with the current state (a duplicate, or the wrong state for it). */
        CONFLICT
    }

    private final Kind kind;

    public ControllerException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** {@code field} broke {@code rule}; nothing was changed. */
    public static ControllerException invalid(String field, String rule) {
        return new ControllerException(Kind.INVALID, field + ": " + rule);
    }

    public static ControllerException notFound(String message) {
        return new ControllerException(Kind.NOT_FOUND, message);
    }

    public static ControllerException conflict(String message) {
        return new ControllerException(Kind.CONFLICT, message);
    }
}
