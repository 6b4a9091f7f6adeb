package io.fleetlink.controller.join;

/**
 * A join refused because of its join token (unknown, expired, used up, revoked): a 401 whose message
 * says which, and nothing was changed. The message names the token's id, never its secret.
 */
public class JoinRefusedException extends RuntimeException {

    private final String tokenId;

    JoinRefusedException(String tokenId, String message) {
        super(message, null, false, false);
        this.tokenId = tokenId;
    }

    /** The token's id, or "-" when the token had no known shape. */
    public String tokenId() {
        return tokenId;
    }
}
