package io.fleetlink.drills;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Counts, from an agent's log, how many times each request id was executed, reading both audit
 * formats: JSON lines ({@code {"event":"execution"|"replay"|"rejected","request_id":…,"operation":…}},
 * where only {@code execution} counts) and the older {@code key=value} lines ({@code operation=…
 * request_id=… result=…}), which cannot tell a replay from an execution, so every line counts.
 */
final class AuditLines {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KV = Pattern.compile("operation=(\\S+) .*?request_id=(\\S+)");

    /** Executions by {@code request_id + " " + operation}. */
    final Map<String, Integer> executions = new HashMap<>();
    /** Whether any line was in the JSON format (replays distinguishable). */
    boolean json;
    int lines;

    static AuditLines read(Iterable<Path> logs) throws IOException {
        AuditLines audit = new AuditLines();
        for (Path log : logs) {
            if (!Files.exists(log)) {
                continue;
            }
            for (String line : Files.readAllLines(log)) {
                audit.add(line);
            }
        }
        return audit;
    }

    void add(String line) {
        if (!line.contains("request_id")) {
            return;
        }
        int brace = line.indexOf("{\"");
        if (brace >= 0 && line.contains("\"request_id\"")) {
            try {
                JsonNode node = JSON.readTree(line.substring(brace));
                if (node.hasNonNull("request_id") && node.has("operation")) {
                    json = true;
                    lines++;
                    String event = node.path("event").asText("execution");
                    if ("execution".equals(event)) {
                        executions.merge(node.get("request_id").asText() + " " + node.get("operation").asText(), 1, Integer::sum);
                    }
                    return;
                }
            } catch (IOException e) {
                // not an audit object after all; try the key=value form
            }
        }
        Matcher kv = KV.matcher(line);
        if (kv.find() && !"-".equals(kv.group(2))) {
            lines++;
            executions.merge(kv.group(2) + " " + kv.group(1), 1, Integer::sum);
        }
    }

    /** Request ids (with operation) among {@code ids} executed more than once. */
    long executedTwice(java.util.Collection<String> ids) {
        return executions.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .filter(e -> ids.contains(e.getKey().substring(0, e.getKey().indexOf(' '))))
                .count();
    }
}
