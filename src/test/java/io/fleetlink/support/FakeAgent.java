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

    private final WireMockServer server;

    public FakeAgent() {
        this(0);
    }

    /** A fake agent on {@code port} (0: any free port); a fixed port lets a test stop and restart it. */
    public FakeAgent(int port) {
        server = new WireMockServer(port == 0
                ? wireMockConfig().dynamicPort().bindAddress("127.0.0.1")
                : wireMockConfig().port(port).bindAddress("127.0.0.1"));
        server.start();
    }

    /** Stops answering: connections are refused, as with an agent that is down (its stubs are kept). */
    public void down() {
        server.stop();
    }

    /** Answers again on the same port, with the same stubs. */
    public void up() {
        server.start();
    }

    /** The {@code X-Fleetlink-Epoch} header of every request that reached {@code path}, in order ("" when absent). */
    public java.util.List<String> epochs(String path) {
        return server.findAll(postRequestedFor(urlEqualTo(path))).stream()
                .map(r -> r.containsHeader("X-Fleetlink-Epoch") ? r.getHeader("X-Fleetlink-Epoch") : "")
                .toList();
    }

    /** The {@code X-Request-Id} header of every request that reached {@code path}, in order. */
    public java.util.List<String> requestIds(String path) {
        return server.findAll(postRequestedFor(urlEqualTo(path))).stream()
                .map(r -> r.getHeader("X-Request-Id"))
                .toList();
    }

    /**
     * {@code path} answers each of {@code answers} once, in order, then the last one for good; each
     * answer is {status, body} or {status, body, delayMs}.
     */
    public FakeAgent answers(String path, Object[]... answers) {
        String scenario = "seq-" + path;
        for (int i = 0; i < answers.length; i++) {
            Object[] a = answers[i];
            com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder response = aResponse()
                    .withStatus((Integer) a[0])
                    .withHeader("Content-Type", "application/json")
                    .withBody((String) a[1]);
            if (a.length > 2) {
                response = response.withFixedDelay((Integer) a[2]);
            }
            String state = i == 0 ? com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED : "s" + i;
            var mapping = post(urlEqualTo(path)).inScenario(scenario).whenScenarioStateIs(state);
            if (i < answers.length - 1) {
                mapping = mapping.willSetStateTo("s" + (i + 1));
            }
            server.stubFor(mapping.willReturn(response));
        }
        return this;
    }

    /** The envelope around {@code data} (JSON), success or not. */
    public static String envelope(int code, String message, String data) {
        return "{\"success\":" + (code < 300) + ",\"code\":" + code + ",\"message\":\"" + message + "\""
                + (data == null ? "" : ",\"data\":" + data) + "}";
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

    /**
     * An agent older than the gpu step: a cleanup naming {@code gpu} (second in the controller's list) is
     * refused with the 400 such an agent gives; one without it succeeds.
     */
    public FakeAgent cleanupWithoutGpuStep() {
        server.stubFor(post(urlEqualTo("/api/v1/machine/cleanup"))
                .atPriority(1)
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("\"gpu\""))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/json")
                        // An older agent names the entry of types that holds gpu, wherever it is.
                        .withBody("{\"success\":false,\"code\":400,\"message\":\"types["
                                + io.fleetlink.protocol.CleanupMachineRequest.CONTROLLER_TYPES.indexOf("gpu")
                                + "]: must be one of process, data, ssh, docker, datasets\"}")));
        server.stubFor(post(urlEqualTo("/api/v1/machine/cleanup"))
                .atPriority(2)
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":{\"success\":true,"
                                + "\"steps\":[{\"type\":\"process\",\"success\":true,\"message\":\"ok\",\"removed\":[]}]}}")));
        return this;
    }

    /** A cleanup whose gpu step fails a check, as the agent reports it. */
    public FakeAgent cleanupGpuCheckFails(String failure) {
        return answer("/api/v1/machine/cleanup", 500, "{\"success\":false,\"code\":500,\"message\":\"cleanup failed\","
                + "\"data\":{\"success\":false,\"steps\":[{\"type\":\"process\",\"success\":true,\"message\":\"ok\","
                + "\"removed\":[]},{\"type\":\"gpu\",\"success\":false,\"message\":\"ended 1 processes of fltenant on "
                + "the GPUs; " + failure + "\",\"removed\":[\"4121\"]}]}}");
    }

    /** How many cleanup requests named the gpu step, and how many did not. */
    public int cleanupRequests(boolean withGpu) {
        return (int) server.getAllServeEvents().stream()
                .filter(event -> event.getRequest().getUrl().equals("/api/v1/machine/cleanup"))
                .filter(event -> event.getRequest().getBodyAsString().contains("\"gpu\"") == withGpu)
                .count();
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
