package io.fleetlink.controller.store;

/**
 * The store could not be reached or dropped the connection (refused, reset, shut down, pool timed
 * out): a fault of the store, never of an agent or of the request. The API answers 503 "store
 * unavailable, retry"; the pipeline runner retries the run that hit it.
 */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(Throwable cause) {
        super("store unavailable: " + StoreFaults.describe(cause), cause);
    }
}
