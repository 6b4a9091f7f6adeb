package io.fleetlink.agent.os;

import java.io.IOException;

/** Why {@link TrustedDirectories} refused a directory: {@code reason} tells the caller which answer to give. */
public class DirectoryWalkException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What was found instead of the directory that was asked for. */
    public enum Reason {
        /** A component does not exist. */
        MISSING,
        /** A component is a regular file, FIFO, socket or device: never opened. */
        NOT_A_DIRECTORY,
        /** A component is a symbolic link: never followed. */
        SYMBOLIC_LINK,
        /** A component was replaced while it was being opened (a race): what was opened is not what was checked. */
        CHANGED,
        /** A directory that must be root's alone can be changed by someone else. */
        UNTRUSTED,
        /** The system refused the walk (permissions, I/O). */
        FAILED
    }

    private final Reason reason;

    public DirectoryWalkException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
