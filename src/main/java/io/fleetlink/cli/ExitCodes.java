package io.fleetlink.cli;

/** What the {@code fleetlink} command's exit status means; README.md lists the same table. */
final class ExitCodes {

    /** Done; a watched allocation or operation reached the state asked for. */
    static final int OK = 0;
    /** The controller or an agent failed (5xx), an exec'd command exited non-zero, or a watched item ended failed. */
    static final int FAILED = 1;
    /** Wrong command line, or the controller refused the request as invalid (400). */
    static final int USAGE = 2;
    /** What was named does not exist (404), or the controller lacks the endpoint. */
    static final int NOT_FOUND = 3;
    /** The request clashes with the current state (409): host drained, busy, already registered... */
    static final int CONFLICT = 4;
    /** No token, or the controller refused it (401, 403). */
    static final int UNAUTHORIZED = 5;
    /** The controller could not be reached or did not answer in time. */
    static final int UNREACHABLE = 6;

    private ExitCodes() {
    }

    /** The exit status for an HTTP status the controller answered with. */
    static int forStatus(int status) {
        return switch (status) {
            case 400, 413, 415, 422 -> USAGE;
            case 401, 403 -> UNAUTHORIZED;
            case 404, 405 -> NOT_FOUND;
            case 409 -> CONFLICT;
            default -> status / 100 == 2 ? OK : FAILED;
        };
    }
}
