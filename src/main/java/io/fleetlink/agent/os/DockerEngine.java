package io.fleetlink.agent.os;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The seam over the machine's Docker Engine that the cleanup's docker step uses: is one installed,
 * which containers exist, remove one. {@link LinuxDockerEngine} talks to the local socket; tests use
 * a fake for what a real engine will not do on demand (hang, refuse one removal). Blocking.
 */
public interface DockerEngine {

    /** A container as the engine lists it. */
    record Container(String id, String name, Map<String, String> labels) {

        public String shortId() {
            return id.substring(0, Math.min(12, id.length()));
        }
    }

    /** The engine could not be reached or answered with an error. */
    class EngineException extends IOException {
        public EngineException(String message) {
            super(message);
        }

        public EngineException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Whether Docker is installed here at all. Without it nothing can be left behind; an installed
     * engine that does not answer is a failure of {@link #list}, not an absent one.
     */
    boolean installed();

    /** Every container (running or not); with {@code label} ({@code key=value}) only those carrying it. */
    List<Container> list(String label) throws EngineException;

    /** Stops and removes a container with its anonymous volumes; false when it was already gone. */
    boolean remove(String id) throws EngineException;
}
