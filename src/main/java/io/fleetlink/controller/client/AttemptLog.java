package io.fleetlink.controller.client;

import io.smallrye.mutiny.Uni;

/**
 * Where the attempts of one call are recorded (an operation's attempt log), and who learns that the
 * call's epoch was raised above the agent's, so a resumed run uses the new one.
 */
public interface AttemptLog {

    /** Records one attempt; a failure here is logged and never fails the call. */
    Uni<Void> attempted(CallAttempt attempt);

    /** The call now acts under {@code epoch} (its own epoch was raised above the agent's). */
    default Uni<Void> epochRaised(long epoch) {
        return Uni.createFrom().voidItem();
    }
}
