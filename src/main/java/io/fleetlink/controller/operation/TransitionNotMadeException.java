package io.fleetlink.controller.operation;

import io.smallrye.mutiny.Uni;

/**
 * A state transition a pipeline relied on did not happen (the row was not in the state it expected):
 * the transaction rolls back and the pipeline ends its operation FAILED with this message instead of
 * reporting an outcome that was never stored.
 */
public class TransitionNotMadeException extends IllegalStateException {

    public TransitionNotMadeException(String message) {
        super(message);
    }

    /** Fails with this exception, saying {@code what} did not happen, when {@code moved} is false. */
    public static Uni<Void> require(Uni<Boolean> moved, String what) {
        return moved.chain(done -> done
                ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(new TransitionNotMadeException(what + " did not happen: the row was no "
                        + "longer in the state this operation expected; nothing was changed")));
    }
}
