package io.fleetlink.controller.client;

/** Where a call's fencing epoch travels: an HTTP header and gRPC metadata, the epoch in decimal. */
final class EpochHeaders {

    /** HTTP header of the epoch. */
    static final String HEADER = "X-Fleetlink-Epoch";

    /** gRPC metadata key of the epoch. */
    static final String METADATA_KEY = "x-fleetlink-epoch";

    private EpochHeaders() {
    }
}
