package io.fleetlink.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * An agent that answers what a test tells it to (WireMock on a dynamic port), for the outcomes the
 * real agent cannot be made to produce on demand: a ResetSSH that succeeds before the agent
 * operations land, a cleanup step that fails. It counts the requests, by request id.
 */
public final class FakeAgent implements AutoCloseable {

    private final WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));

    public FakeAgent() {
        server.start();
    }

    public int port() {
        return server.port();
    }

    public FakeAgent resetSshSucceeds(String user) {
        return answer("/api/v1/ssh/reset", 200,
                "{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":{\"user\":\"" + user
                        + "\",\"fingerprints\":[\"SHA256:x\"],\"sessions_terminated\":0}}");
    }

    public FakeAgent cleanupSucceeds() {
        return answer("/api/v1/machine/cleanup", 200, "{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":"
                + "{\"success\":true,\"steps\":[{\"type\":\"process\",\"success\":true,\"message\":\"ok\",\"removed\":[]}]}}");
    }

    /** Cleanup succeeds, answering only after {@code delay}: time for a test to break something meanwhile. */
    public FakeAgent cleanupSucceedsAfter(java.time.Duration delay) {
        server.stubFor(post(urlEqualTo("/api/v1/machine/cleanup")).willReturn(aResponse()
                .withStatus(200)
                .withFixedDelay((int) delay.toMillis())
                .withHeader("Content-Type", "application/json")
                .withBody("{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":"
                        + "{\"success\":true,\"steps\":[{\"type\":\"process\",\"success\":true,\"message\":\"ok\",\"removed\":[]}]}}")));
        return this;
    }

    public FakeAgent cleanupStepFails() {
        return answer("/api/v1/machine/cleanup", 500, "{\"success\":false,\"code\":500,\"message\":\"cleanup failed: "
                + "docker (engine not answering)\",\"data\":{\"success\":false,\"steps\":[{\"type\":\"process\","
                + "\"success\":true,\"message\":\"ok\",\"removed\":[]},{\"type\":\"docker\",\"success\":false,"
                + "\"message\":\"engine not answering\",\"removed\":[]}]}}");
    }

    public FakeAgent stopProcessSucceeds(String taskId) {
        return answer("/api/v1/process/stop", 200, "{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":"
                + "{\"task_id\":\"" + taskId + "\",\"killed_pids\":[4242],\"escalated_to_kill\":false,\"already_stopped\":false}}");
    }

    public FakeAgent stopProcessFails() {
        return answer("/api/v1/process/stop", 503, "{\"success\":false,\"code\":503,\"message\":\"busy\"}");
    }

    /** How many requests reached {@code path} carrying {@code X-Request-Id: requestId}. */
    public int requests(String path, String requestId) {
        return server.findAll(postRequestedFor(urlEqualTo(path)).withHeader("X-Request-Id", equalTo(requestId))).size();
    }

    /** How many requests reached {@code path}. */
    public int requests(String path) {
        return server.findAll(postRequestedFor(urlEqualTo(path))).size();
    }

    private FakeAgent answer(String path, int status, String body) {
        server.stubFor(post(urlEqualTo(path)).willReturn(aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withBody(body)));
        return this;
    }

    @Override
    public void close() {
        server.stop();
    }
}
