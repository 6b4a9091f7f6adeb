package io.fleetlink.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * A status-callback receiver on a port fixed for the whole test JVM, which tests stop and start to
 * play a backend that is down and comes back. It records every event it accepted and the
 * Authorization header it saw.
 */
public final class CallbackReceiver {

    private static final int PORT = TestPorts.freePort();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Map<String, Object>> EVENTS = new CopyOnWriteArrayList<>();
    private static final List<String> AUTHORIZATIONS = new CopyOnWriteArrayList<>();
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
    private static final AtomicInteger MAX_IN_FLIGHT = new AtomicInteger();
    private static volatile long delayMillis;
    private static HttpServer server;

    private CallbackReceiver() {
    }

    public static String url() {
        return "http://127.0.0.1:" + PORT + "/callbacks";
    }

    /** Starts answering 204 to every callback; idempotent. */
    public static synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT), 64);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the callback receiver to port " + PORT, e);
        }
        server.createContext("/callbacks", exchange -> {
            REQUESTS.incrementAndGet();
            MAX_IN_FLIGHT.accumulateAndGet(IN_FLIGHT.incrementAndGet(), Math::max);
            try (InputStream body = exchange.getRequestBody()) {
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                EVENTS.add(JSON.readValue(text, new TypeReference<Map<String, Object>>() {
                }));
                AUTHORIZATIONS.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                exchange.sendResponseHeaders(204, -1);
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(503, -1);
            } finally {
                IN_FLIGHT.decrementAndGet();
                exchange.close();
            }
        });
        server.start();
    }

    /** Stops answering: connections are refused until {@link #start()}. */
    public static synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Every event accepted so far, oldest first. */
    public static List<Map<String, Object>> events() {
        return new ArrayList<>(EVENTS);
    }

    /** Accepted events about {@code allocationOrTaskId}. */
    public static List<Map<String, Object>> eventsFor(String allocationOrTaskId) {
        return events().stream()
                .filter(e -> allocationOrTaskId.equals(e.get("allocation_id")) || allocationOrTaskId.equals(e.get("task_id")))
                .toList();
    }

    /** Answers every callback only after {@code millis} (0: at once), and restarts the in-flight high-water mark. */
    public static void answerAfter(long millis) {
        delayMillis = millis;
        MAX_IN_FLIGHT.set(0);
    }

    /** The most callbacks that were being answered at once since {@link #answerAfter}. */
    public static int maxInFlight() {
        return MAX_IN_FLIGHT.get();
    }

    public static List<String> authorizations() {
        return new ArrayList<>(AUTHORIZATIONS);
    }
}
