package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.support.TestFiles;

/**
 * The engine client against a unix socket served by the test: replies a real dockerd gives only
 * under load (chunked bodies, split writes) or never (a stall). The happy path runs against a real
 * dockerd in DockerCleanupTest.
 */
class LinuxDockerEngineTest {

    private Path dir;
    private Path socket;
    private ServerSocketChannel server;
    private Thread serving;
    private final AtomicReference<String> lastRequest = new AtomicReference<>();

    @BeforeEach
    void listen() throws IOException {
        dir = Files.createTempDirectory("fldocker-");
        socket = dir.resolve("docker.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        if (serving != null) {
            serving.interrupt();
            serving.join(5000);
        }
        TestFiles.deleteTree(dir);
    }

    @Test
    void readsAChunkedContainerListSentInPieces() throws Exception {
        String body = "[{\"Id\":\"" + "a".repeat(64) + "\",\"Names\":[\"/train\"],\"Labels\":{\"fleetlink.user\":\"alice\"}},"
                + "{\"Id\":\"" + "b".repeat(64) + "\",\"Names\":[\"/other\"],\"Labels\":null}]";
        String chunked = Integer.toHexString(10) + ";ext=1\r\n" + body.substring(0, 10) + "\r\n"
                + Integer.toHexString(body.length() - 10) + "\r\n" + body.substring(10) + "\r\n0\r\n\r\n";
        serve("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked);

        List<DockerEngine.Container> containers = engine(Duration.ofSeconds(5)).list("fleetlink.user=alice");

        assertThat(containers).extracting(DockerEngine.Container::shortId).containsExactly("aaaaaaaaaaaa", "bbbbbbbbbbbb");
        assertThat(containers.get(0).name()).isEqualTo("train");
        assertThat(containers.get(0).labels()).containsEntry("fleetlink.user", "alice");
        assertThat(lastRequest.get()).startsWith("GET /containers/json?all=true&filters=%7B%22label%22%3A%5B%22fleetlink.user%3Dalice%22%5D%7D HTTP/1.1\r\n")
                .contains("Connection: close\r\n");
    }

    @Test
    void treatsAContainerAlreadyGoneAsRemovedAndReportsEngineErrors() throws Exception {
        serve("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        assertThat(engine(Duration.ofSeconds(5)).remove("c".repeat(64))).isFalse();
        assertThat(lastRequest.get()).startsWith("DELETE /containers/" + "c".repeat(64) + "?force=true&v=true HTTP/1.1");

        serve("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 22\r\n\r\n{\"message\":\"disk full\"}");
        assertThatThrownBy(() -> engine(Duration.ofSeconds(5)).remove("d".repeat(64)))
                .isInstanceOf(DockerEngine.EngineException.class)
                .hasMessageContaining("HTTP 500")
                .hasMessageContaining("disk full");
    }

    @Test
    void refusesIdsThatAreNotContainerIds() {
        assertThatThrownBy(() -> engine(Duration.ofSeconds(5)).remove("../../images/x"))
                .isInstanceOf(DockerEngine.EngineException.class)
                .hasMessageContaining("not a container id");
    }

    @Test
    void givesUpOnAStalledEngineAtItsDeadline() throws Exception {
        serve(null);
        long started = System.nanoTime();
        assertThatThrownBy(() -> engine(Duration.ofMillis(300)).list(null))
                .isInstanceOf(DockerEngine.EngineException.class)
                .hasMessageContaining("did not answer");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void reportsAMissingSocketNamingTheSetting() throws Exception {
        server.close();
        Files.delete(socket);
        assertThatThrownBy(() -> engine(Duration.ofSeconds(5)).list(null))
                .isInstanceOf(DockerEngine.EngineException.class)
                .hasMessageContaining("cannot reach the Docker Engine at " + socket)
                .hasMessageContaining("fleetlink.agent.cleanup.docker-socket");
    }

    @Test
    void isInstalledWhileItsSocketExists() throws Exception {
        assertThat(engine(Duration.ofSeconds(5)).installed()).isTrue();
        server.close();
        Files.delete(socket);
        assertThat(engine(Duration.ofSeconds(5)).installed()).isFalse();
    }

    @Test
    void rejectsATruncatedReply() {
        byte[] raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[]".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> LinuxDockerEngine.parse(raw)).hasMessageContaining("after 2 of 100 bytes");
        assertThatThrownBy(() -> LinuxDockerEngine.dechunk("5\r\nab".getBytes(StandardCharsets.US_ASCII))).hasMessageContaining("ended early");
    }

    private LinuxDockerEngine engine(Duration timeout) {
        return new LinuxDockerEngine(socket, timeout, new ObjectMapper());
    }

    /** Accepts one connection, reads the request head and answers {@code reply} in two writes; null: never answers. */
    private void serve(String reply) throws InterruptedException {
        if (serving != null) {
            serving.join(5000);
        }
        serving = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(8192);
                StringBuilder head = new StringBuilder();
                while (!head.toString().contains("\r\n\r\n") && client.read(in) > 0) {
                    head.append(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
                    in.clear();
                }
                lastRequest.set(head.toString());
                if (reply == null) {
                    Thread.sleep(10_000);
                    return;
                }
                byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
                int half = bytes.length / 2;
                client.write(ByteBuffer.wrap(bytes, 0, half));
                Thread.sleep(20);
                client.write(ByteBuffer.wrap(bytes, half, bytes.length - half));
            } catch (IOException | InterruptedException e) {
                // the test closed the server or gave up waiting
            }
        });
        serving.start();
    }
}
