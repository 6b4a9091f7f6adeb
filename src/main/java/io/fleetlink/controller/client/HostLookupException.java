package io.fleetlink.controller.client;

/**
 * The host's address could not be read (the store failed, not the agent): retried within a call's
 * retry budget as a store error and never recorded or counted as an agent failure.
 */
public class HostLookupException extends RuntimeException {

    public HostLookupException(String hostId, Throwable cause) {
        super("cannot look up host '" + hostId + "' in the store: " + cause.getMessage(), cause);
    }
}
