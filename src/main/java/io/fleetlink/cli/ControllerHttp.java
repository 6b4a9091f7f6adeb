package io.fleetlink.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The CLI's only way to the controller: the JDK HTTP client, one request per call, the bearer token
 * on every request, no retries (an operator sees each failure and decides). Mutations carry a fresh
 * {@code X-Request-Id}.
 */
final class ControllerHttp {

    /** What the controller answered: the HTTP status and the body as JSON (null when it was not JSON). */
    record Reply(int status, JsonNode body, String raw) {

        boolean ok() {
            return status / 100 == 2;
        }

        JsonNode data() {
            return body == null ? null : body.get("data");
        }

        /** The envelope's message, or what came instead of an envelope. */
        String message() {
            if (body != null && body.hasNonNull("message")) {
                return body.get("message").asText();
            }
            String text = raw == null ? "" : raw.strip();
            return text.isEmpty() ? "(empty body)" : text.length() > 300 ? text.substring(0, 300) + "..." : text;
        }
    }

    /** The controller could not be reached or did not answer in time; exit code {@link ExitCodes#UNREACHABLE}. */
    static final class UnreachableException extends Exception {
        UnreachableException(String message) {
            super(message);
        }
    }

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final ObjectMapper json;
    private final String baseUrl;
    private final String token;

    ControllerHttp(ObjectMapper json, String baseUrl, String token) {
        this.json = json;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    String url(String path) {
        return baseUrl + path;
    }

    Reply get(String path) throws UnreachableException {
        return send("GET", path, null, Duration.ofSeconds(60));
    }

    Reply post(String path, Object body) throws UnreachableException {
        return send("POST", path, body, Duration.ofSeconds(60));
    }

    Reply post(String path, Object body, Duration timeout) throws UnreachableException {
        return send("POST", path, body, timeout);
    }

    Reply delete(String path) throws UnreachableException {
        return send("DELETE", path, null, Duration.ofSeconds(60));
    }

    private Reply send(String method, String path, Object body, Duration timeout) throws UnreachableException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (!method.equals("GET")) {
            request.header("X-Request-Id", UUID.randomUUID().toString());
        }
        if (body != null) {
            try {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write the request body", e);
            }
        } else if (method.equals("POST")) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw new UnreachableException("no connection to " + baseUrl + " within 5s; check FLEETLINK_URL");
        } catch (HttpTimeoutException e) {
            throw new UnreachableException(method + " " + path + ": no answer from " + baseUrl + " within "
                    + timeout.toSeconds() + "s");
        } catch (ConnectException e) {
            throw new UnreachableException("cannot connect to " + baseUrl + " (" + describe(e)
                    + "); is the controller running, and is FLEETLINK_URL right?");
        } catch (IOException e) {
            throw new UnreachableException(method + " " + path + " to " + baseUrl + " failed: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted");
        }
        JsonNode parsed = null;
        try {
            parsed = response.body() == null || response.body().isBlank() ? null : json.readTree(response.body());
        } catch (JsonProcessingException e) {
            parsed = null;
        }
        return new Reply(response.statusCode(), parsed, response.body());
    }

    private static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }
}
