package io.fleetlink.web;

import java.util.regex.Pattern;

/**
 * The request id a caller sends with a mutation so that a retry is answered, not repeated: its
 * header and metadata names and the one rule for its shape, shared by both roles and both transports.
 */
public final class RequestIds {

    /** The HTTP header, on the agent's and on the controller's API. */
    public static final String HEADER = "X-Request-Id";

    /** The gRPC metadata key: the same name, lower case as gRPC requires. */
    public static final String METADATA_KEY = "x-request-id";

    /** The rule, as the 400 states it. */
    public static final String RULE = "must be 1 to 128 characters of letters, digits and . _ : -";

    /** The shape of a request id, as a regular expression. */
    public static final String PATTERN = "[A-Za-z0-9._:-]{1,128}";

    private static final Pattern SHAPE = Pattern.compile(PATTERN);

    private RequestIds() {
    }

    /** Whether {@code requestId} is a short token that is safe to log and to use as a key. */
    public static boolean valid(String requestId) {
        return requestId != null && SHAPE.matcher(requestId).matches();
    }
}
