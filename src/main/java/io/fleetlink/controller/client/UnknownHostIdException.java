package io.fleetlink.controller.client;

/** A host id the controller does not know. */
public class UnknownHostIdException extends RuntimeException {

    private final String hostId;

    public UnknownHostIdException(String hostId) {
        super("unknown host '" + hostId + "': register it with POST /api/v1/hosts first");
        this.hostId = hostId;
    }

    public String hostId() {
        return hostId;
    }
}
