package io.fleetlink.agent.os;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link DockerEngine} in memory, for what a real dockerd will not do on demand: hang on every
 * request (as a wedged engine does until the client's deadline) or fail to remove one container.
 * The real engine's behaviour is covered against a real dockerd in the cleanup tests.
 */
public final class FakeDockerEngine implements DockerEngine {

    private final Map<String, Container> containers = new LinkedHashMap<>();
    private final List<String> removed = new ArrayList<>();
    private boolean hung;
    private String refusedId;

    /** Adds a container with these labels; its id is {@code idChar} 64 times. */
    public FakeDockerEngine with(char idChar, Map<String, String> labels) {
        String id = String.valueOf(idChar).repeat(64);
        containers.put(id, new Container(id, "c-" + idChar, labels));
        return this;
    }

    /** Every request fails the way the real client fails when the engine does not answer in time. */
    public FakeDockerEngine hung() {
        this.hung = true;
        return this;
    }

    /** Removing the container {@code idChar} fails with an engine error. */
    public FakeDockerEngine refusingToRemove(char idChar) {
        this.refusedId = String.valueOf(idChar).repeat(64);
        return this;
    }

    public List<String> removed() {
        return List.copyOf(removed);
    }

    @Override
    public boolean installed() {
        return true;
    }

    @Override
    public List<Container> list(String label) throws EngineException {
        answerOrHang("GET /containers/json");
        return containers.values().stream()
                .filter(container -> label == null || label.equals(labelOf(container, label)))
                .toList();
    }

    @Override
    public boolean remove(String id) throws EngineException {
        answerOrHang("DELETE /containers/" + id);
        if (id.equals(refusedId)) {
            throw new EngineException("removing container " + id.substring(0, 12) + " failed: HTTP 409 container is paused");
        }
        removed.add(id);
        return containers.remove(id) != null;
    }

    private void answerOrHang(String request) throws EngineException {
        if (hung) {
            throw new EngineException("the Docker Engine did not answer " + request + " within 60000 ms");
        }
    }

    private static String labelOf(Container container, String filter) {
        String key = filter.substring(0, filter.indexOf('='));
        String value = container.labels().get(key);
        return value == null ? null : key + "=" + value;
    }
}
