package io.fleetlink.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.handler.AuditLog;

/**
 * Collects the lines written on the audit category: the agent's, each parsed as the JSON object it must
 * be ({@link #lines()}), and the controller's {@code key=value} lines as text ({@link #text()}).
 */
public final class AuditCapture extends Handler implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> lines = new CopyOnWriteArrayList<>();

    public static AuditCapture install() {
        AuditCapture capture = new AuditCapture();
        Logger.getLogger(AuditLog.CATEGORY).addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        lines.add(new SimpleFormatter().formatMessage(record));
    }

    /** Every line so far, as written. */
    public List<String> text() {
        return List.copyOf(lines);
    }

    /** Every line so far, parsed; a line that is not one JSON object fails the test. */
    public List<JsonNode> lines() {
        return lines.stream().map(line -> {
            try {
                JsonNode node = JSON.readTree(line);
                if (!node.isObject()) {
                    throw new AssertionError("audit line is not a JSON object: " + line);
                }
                return node;
            } catch (java.io.IOException e) {
                throw new AssertionError("audit line is not JSON: " + line, e);
            }
        }).toList();
    }

    /** The lines of {@code requestId} with {@code event}. */
    public List<JsonNode> of(String requestId, String event) {
        return lines().stream()
                .filter(line -> requestId.equals(line.path("request_id").asText()))
                .filter(line -> event.equals(line.path("event").asText()))
                .toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger(AuditLog.CATEGORY).removeHandler(this);
    }
}
