package io.fleetlink.agent.os;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.config.AgentConfig;

/**
 * The {@link DockerEngine} of this machine: a minimal Docker Engine API client over the local unix
 * socket ({@code fleetlink.agent.cleanup.docker-socket}) only. One HTTP/1.1 request per connection
 * ({@code Connection: close}), plain or chunked replies, a deadline on every request. Blocking.
 */
@ApplicationScoped
public class LinuxDockerEngine implements DockerEngine {

    /** Per Docker Engine request; the whole operation is bounded by fleetlink.agent.operation-timeout. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** Largest reply read; a list of thousands of containers stays far below. */
    private static final int MAX_REPLY = 32 << 20;
    private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{12,64}");

    private final Path socket;
    private final Duration timeout;
    private final ObjectMapper json;

    @Inject
    public LinuxDockerEngine(AgentConfig config, ObjectMapper json) {
        this(config.cleanup().dockerSocket(), REQUEST_TIMEOUT, json);
    }

    LinuxDockerEngine(Path socket, Duration timeout, ObjectMapper json) {
        this.socket = socket;
        this.timeout = timeout;
        this.json = json;
    }

    /** The socket exists; whether anything answers on it is for {@link #list} to find out. */
    @Override
    public boolean installed() {
        return Files.exists(socket, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public List<Container> list(String label) throws EngineException {
        String query = "all=true";
        if (label != null) {
            query += "&filters=" + URLEncoder.encode(filters(label), StandardCharsets.UTF_8);
        }
        Reply reply = request("GET", "/containers/json?" + query);
        if (reply.status() != 200) {
            throw new EngineException("listing containers failed: HTTP " + reply.status() + " " + reply.text());
        }
        List<Container> containers = new ArrayList<>();
        try {
            for (JsonNode node : json.readTree(reply.body())) {
                Map<String, String> labels = new HashMap<>();
                node.path("Labels").properties().forEach(entry -> labels.put(entry.getKey(), entry.getValue().asText()));
                String name = node.path("Names").path(0).asText("").replaceFirst("^/", "");
                containers.add(new Container(node.path("Id").asText(), name, labels));
            }
        } catch (IOException e) {
            throw new EngineException("the engine's container list is not valid JSON: " + e.getMessage(), e);
        }
        return containers;
    }

    private String filters(String label) throws EngineException {
        try {
            return json.writeValueAsString(Map.of("label", List.of(label)));
        } catch (IOException e) {
            throw new EngineException("cannot encode the label filter", e);
        }
    }

    @Override
    public boolean remove(String id) throws EngineException {
        if (!CONTAINER_ID.matcher(id).matches()) {
            throw new EngineException("refusing to remove '" + id + "': not a container id");
        }
        Reply reply = request("DELETE", "/containers/" + id + "?force=true&v=true");
        return switch (reply.status()) {
            case 204, 200 -> true;
            case 404 -> false;
            default -> throw new EngineException("removing container " + id.substring(0, 12) + " failed: HTTP "
                    + reply.status() + " " + reply.text());
        };
    }

    record Reply(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8).strip();
        }
    }

    Reply request(String method, String target) throws EngineException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String head = method + " " + target + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: fleetlink-agent\r\n"
                + "Accept: application/json\r\nConnection: close\r\n\r\n";
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII));
            SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                await(selector, deadline, method, target);
                channel.write(out);
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(16384);
            while (true) {
                await(selector, deadline, method, target);
                int n = channel.read(in);
                if (n < 0) {
                    break;
                }
                raw.write(in.array(), 0, in.position());
                in.clear();
                if (raw.size() > MAX_REPLY) {
                    throw new EngineException("the engine's reply to " + method + " " + path(target) + " exceeds " + MAX_REPLY + " bytes");
                }
            }
            return parse(raw.toByteArray());
        } catch (EngineException e) {
            throw e;
        } catch (IOException e) {
            throw new EngineException("cannot reach the Docker Engine at " + socket + " (fleetlink.agent.cleanup.docker-socket): "
                    + e.getMessage(), e);
        }
    }

    private void await(Selector selector, long deadline, String method, String target) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0 || selector.select(left) == 0 && System.nanoTime() >= deadline) {
            throw new EngineException("the Docker Engine did not answer " + method + " " + path(target) + " within "
                    + timeout.toMillis() + " ms");
        }
        selector.selectedKeys().clear();
    }

    static Reply parse(byte[] raw) throws EngineException {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (end < 0) {
            throw new EngineException("the Docker Engine closed the connection before a complete reply");
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw new EngineException("the Docker Engine sent no HTTP status line");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine[1]);
        } catch (NumberFormatException e) {
            throw new EngineException("the Docker Engine sent a malformed status line");
        }
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
        }
        byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
        if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            body = dechunk(body);
        } else if (headers.containsKey("content-length")) {
            int length;
            try {
                length = Integer.parseInt(headers.get("content-length"));
            } catch (NumberFormatException e) {
                throw new EngineException("the Docker Engine sent a malformed Content-Length");
            }
            if (length > body.length) {
                throw new EngineException("the Docker Engine closed the connection after " + body.length + " of " + length + " bytes");
            }
            body = Arrays.copyOf(body, length);
        }
        return new Reply(status, headers, body);
    }

    static byte[] dechunk(byte[] body) throws EngineException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        int position = 0;
        while (true) {
            int lineEnd = indexOf(body, new byte[] {'\r', '\n'}, position);
            if (lineEnd < 0) {
                throw new EngineException("the Docker Engine's chunked reply ended early");
            }
            String sizeField = new String(body, position, lineEnd - position, StandardCharsets.US_ASCII);
            int semicolon = sizeField.indexOf(';'); // chunk extensions are ignored
            int size;
            try {
                size = Integer.parseInt((semicolon < 0 ? sizeField : sizeField.substring(0, semicolon)).strip(), 16);
            } catch (NumberFormatException e) {
                throw new EngineException("the Docker Engine sent a malformed chunk size");
            }
            position = lineEnd + 2;
            if (size == 0) {
                return out.toByteArray();
            }
            if (size < 0 || position + size > body.length) {
                throw new EngineException("the Docker Engine's chunked reply ended early");
            }
            out.write(body, position, size);
            position += size + 2;
        }
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String path(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }
}
