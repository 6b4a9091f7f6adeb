package io.fleetlink.controller.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.GetSystemInfoResponse;
import io.fleetlink.protocol.PingResponse;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.support.FakeGrpcAgent;
import io.fleetlink.support.ManagementPort;
import io.fleetlink.support.TestConfigs;
import io.fleetlink.support.TestPorts;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;

/**
 * The faults a real agent cannot produce on demand, against the real client layer: WireMock for
 * HTTP, a scripted gRPC server for gRPC. Each test builds its own {@link AgentClients} with the
 * settings it needs, so no Quarkus restart is involved.
 */
@QuarkusTest
class AgentClientsResilienceTest {

    private static final String ENVELOPE_OK_INFO = "{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":{\"host_id\":\"wm\",\"hostname\":\"wm\"}}";
    private static final String ENVELOPE_OK_STOP = "{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":{\"task_id\":\"t1\",\"killed_pids\":[],\"escalated_to_kill\":false,\"already_stopped\":true}}";

    static WireMockServer wireMock;
    static FakeGrpcAgent grpcAgent;

    @Inject
    ControllerAgentToken token;

    @Inject
    ObjectMapper json;

    @Inject
    AgentTls tls;

    @Inject
    MeterRegistry registry;

    @Inject
    AgentClients appClients;

    @BeforeAll
    static void startFakes() throws Exception {
        wireMock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wireMock.start();
        grpcAgent = new FakeGrpcAgent();
    }

    @AfterAll
    static void stopFakes() throws Exception {
        wireMock.stop();
        grpcAgent.close();
    }

    @BeforeEach
    void reset() {
        wireMock.resetAll();
    }

    private AgentClients clients(String... settings) {
        TestConfigs configs = TestConfigs.with(settings);
        return new AgentClients(configs.link(), configs.controller(), token, json, tls, registry);
    }

    private static HostAddress wireMockHost(String id) {
        return new HostAddress(id, "127.0.0.1", wireMock.port(), TestPorts.freePort());
    }

    private static HostAddress grpcHost(String id) {
        return new HostAddress(id, "127.0.0.1", TestPorts.freePort(), grpcAgent.port());
    }

    private static <T> Uni<T> systemInfo(AgentClients clients, HostAddress host) {
        @SuppressWarnings("unchecked")
        Uni<T> uni = (Uni<T>) clients.call(host, AgentRpc.SYSTEM_INFO, null, null,
                (client, options) -> client.getSystemInfo(options));
        return uni;
    }

    private static Uni<StopProcessResponse> stop(AgentClients clients, HostAddress host, String requestId) {
        return clients.call(host, AgentRpc.PROCESS_STOP, requestId, null,
                (client, options) -> client.stopProcess(new StopProcessRequest("t1", null, null), options));
    }

    // ---- HTTP

    @Test
    void http503ThenSuccessIsRetriedWithTheSameRequestId() {
        wireMock.stubFor(post(urlEqualTo("/api/v1/process/stop")).inScenario("flaky")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("second")
                .willReturn(aResponse().withStatus(503).withBody("{\"success\":false,\"code\":503,\"message\":\"busy\"}")));
        wireMock.stubFor(post(urlEqualTo("/api/v1/process/stop")).inScenario("flaky")
                .whenScenarioStateIs("second")
                .willReturn(okJson(ENVELOPE_OK_STOP)));
        String requestId = UUID.randomUUID().toString();

        StopProcessResponse result = stop(clients(), wireMockHost("wm-retry"), requestId).await().atMost(Duration.ofSeconds(10));

        assertThat(result.alreadyStopped()).isTrue();
        List<LoggedRequest> requests = wireMock.findAll(postRequestedFor(urlEqualTo("/api/v1/process/stop")));
        assertThat(requests).hasSize(2);
        assertThat(requests).allSatisfy(r -> assertThat(r.getHeader("X-Request-Id")).isEqualTo(requestId));
        assertThat(requests).allSatisfy(r -> assertThat(r.getHeader("Authorization")).startsWith("Bearer "));
    }

    @Test
    void http400IsRejectedAndNotRetried() {
        wireMock.stubFor(post(urlEqualTo("/api/v1/process/stop")).willReturn(aResponse().withStatus(400)
                .withBody("{\"success\":false,\"code\":400,\"message\":\"task_id: must not be blank\"}")));

        assertThatThrownBy(() -> stop(clients(), wireMockHost("wm-400"), "r-400").await().atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(AgentRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.agentMessage()).isEqualTo("task_id: must not be blank");
                    assertThat(e.getMessage()).contains("wm-400", "process-stop", "400");
                });
        wireMock.verify(1, postRequestedFor(urlEqualTo("/api/v1/process/stop")));
    }

    @Test
    void http401IsUnauthorizedAndNotRetried() {
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).willReturn(aResponse().withStatus(401)
                .withBody("{\"success\":false,\"code\":401,\"message\":\"unauthorized\"}")));

        assertThatThrownBy(() -> systemInfo(clients(), wireMockHost("wm-401")).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(AgentUnauthorizedException.class);
        wireMock.verify(1, getRequestedFor(urlEqualTo("/api/v1/system/info")));
    }

    @Test
    void httpStallPastTheDeadlineTimesOutAtTheDeadlineNotAtTheStall() {
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).willReturn(okJson(ENVELOPE_OK_INFO).withFixedDelay(5_000)));
        AgentClients clients = clients("agent.timeout", "400ms", "fleetlink.controller.retry.max-attempts", "1");

        long started = System.nanoTime();
        assertThatThrownBy(() -> systemInfo(clients, wireMockHost("wm-stall")).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(AgentTimeoutException.class, e -> assertThat(e.getMessage()).contains("wm-stall", "system-info"));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        // Not before the deadline, and long before the 5 s stall would have ended; the gap leaves room
        // for a loaded machine, where a tight upper bound would fail without anything being wrong.
        assertThat(elapsedMs).isBetween(400L, 4_000L);
    }

    @Test
    void perOperationTimeoutOverridesTheDefault() {
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).willReturn(okJson(ENVELOPE_OK_INFO).withFixedDelay(5_000)));
        AgentClients clients = clients("agent.timeout", "30s", "fleetlink.controller.timeouts.system-info", "300ms",
                "fleetlink.controller.retry.max-attempts", "1");

        long started = System.nanoTime();
        assertThatThrownBy(() -> systemInfo(clients, wireMockHost("wm-op-timeout")).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(AgentTimeoutException.class);
        // The 300 ms override ended it: the 30 s default and the 5 s stall are far above this generous bound.
        assertThat((System.nanoTime() - started) / 1_000_000).isBetween(300L, 4_000L);
    }

    @Test
    void unknownOperationInTimeoutsIsRefusedWithTheAllowedNames() {
        assertThatThrownBy(() -> clients("fleetlink.controller.timeouts.cleanup", "5m"))
                .hasMessageContaining("fleetlink.controller.timeouts.cleanup")
                .hasMessageContaining("machine-cleanup");
    }

    @Test
    void nonEnvelopeBodyIsAProtocolError() {
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/html").withBody("<html>proxy login</html>")));

        assertThatThrownBy(() -> systemInfo(clients(), wireMockHost("wm-html")).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(AgentProtocolException.class,
                        e -> assertThat(e.getMessage()).contains("not the Fleetlink envelope", "proxy login"));
        wireMock.verify(1, getRequestedFor(urlEqualTo("/api/v1/system/info")));
    }

    @Test
    void breakerOpensAfterRepeatedFailuresFailsFastAndRecovers() throws Exception {
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).willReturn(aResponse().withStatus(500)
                .withBody("{\"success\":false,\"code\":500,\"message\":\"boom\"}")));
        AgentClients clients = clients("fleetlink.controller.retry.max-attempts", "1",
                "fleetlink.controller.breaker.request-volume-threshold", "4",
                "fleetlink.controller.breaker.delay", "3s");
        HostAddress host = wireMockHost("wm-breaker");

        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> systemInfo(clients, host).await().atMost(Duration.ofSeconds(5)))
                    .isInstanceOf(AgentRejectedException.class);
        }
        assertThat(clients.breakerState("wm-breaker")).isEqualTo(CircuitBreakerState.OPEN);

        assertThatThrownBy(() -> systemInfo(clients, host).await().atMost(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(AgentUnreachableException.class, e -> {
                    assertThat(e.breakerOpen()).isTrue();
                    assertThat(e.outcome()).isEqualTo("breaker_open");
                    assertThat(e.getMessage()).contains("circuit breaker open", "until");
                });
        // Failing fast means the call never went out: the agent still saw only the four calls above.
        wireMock.verify(4, getRequestedFor(urlEqualTo("/api/v1/system/info")));

        wireMock.resetAll();
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).willReturn(okJson(ENVELOPE_OK_INFO)));
        Thread.sleep(3_200);
        GetSystemInfoResponse info = systemInfo(clients, host).<GetSystemInfoResponse>map(x -> (GetSystemInfoResponse) x).await().atMost(Duration.ofSeconds(5));
        assertThat(info.hostId()).isEqualTo("wm");
        assertThat(clients.breakerState("wm-breaker")).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void fourHundredsDoNotOpenTheBreaker() {
        wireMock.stubFor(post(urlEqualTo("/api/v1/process/stop")).willReturn(aResponse().withStatus(400)
                .withBody("{\"success\":false,\"code\":400,\"message\":\"bad\"}")));
        AgentClients clients = clients("fleetlink.controller.breaker.request-volume-threshold", "4");
        HostAddress host = wireMockHost("wm-400s");
        for (int i = 0; i < 8; i++) {
            assertThatThrownBy(() -> stop(clients, host, null).await().atMost(Duration.ofSeconds(5)))
                    .isInstanceOf(AgentRejectedException.class);
        }
        assertThat(clients.breakerState("wm-400s")).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void aStalledHostDoesNotDelayCallsToAHealthyOne() {
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).willReturn(okJson(ENVELOPE_OK_INFO).withFixedDelay(6_000)));
        AgentClients clients = clients("agent.timeout", "6s", "fleetlink.controller.retry.max-attempts", "1",
                "fleetlink.controller.max-concurrency-per-host", "4");
        HostAddress sick = wireMockHost("wm-sick");
        HostAddress healthy = new HostAddress("local", "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
        // Warm the healthy host's connection first, so a slow first connect cannot use up the stall window.
        clients.call(healthy, AgentRpc.PING, null, null, (c, o) -> c.ping(o)).await().atMost(Duration.ofSeconds(5));

        AtomicInteger sickCallsEnded = new AtomicInteger();
        List<Uni<Object>> stalled = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            stalled.add(systemInfo(clients, sick).onFailure().recoverWithNull()
                    .onTermination().invoke(sickCallsEnded::incrementAndGet));
        }
        stalled.forEach(uni -> uni.subscribe().with(x -> { }, e -> { }));

        for (int i = 0; i < 10; i++) {
            PingResponse pong = clients.call(healthy, AgentRpc.PING, null, null, (c, o) -> c.ping(o))
                    .await().atMost(Duration.ofSeconds(5));
            assertThat(pong.hostId()).isNotBlank();
        }
        // Order, not latency: ten healthy calls ended while every call to the sick host was still stalled
        // (its per-host slots full, the rest queued), so the healthy host never waited for it.
        assertThat(sickCallsEnded).hasValue(0);
    }

    @Test
    void disabledAgentCommunicationFailsAtOnce() {
        AgentClients clients = clients("agent.enabled", "false");
        assertThatThrownBy(() -> systemInfo(clients, wireMockHost("wm-off")).await().atMost(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(AgentUnreachableException.class, e -> assertThat(e.getMessage()).contains("agent.enabled=false"));
        wireMock.verify(0, getRequestedFor(urlEqualTo("/api/v1/system/info")));
    }

    // ---- gRPC

    @Test
    void grpcUnavailableThenSuccessIsRetriedWithTheSameRequestId() {
        grpcAgent.script(n -> n == 1 ? new FakeGrpcAgent.Fail(Status.UNAVAILABLE.withDescription("restarting")) : new FakeGrpcAgent.Answer());
        AgentClients clients = clients("agent.protocol", "grpc");

        StopProcessResponse result = stop(clients, grpcHost("fake-retry"), "req-42").await().atMost(Duration.ofSeconds(10));

        assertThat(result.taskId()).isEqualTo("t1");
        assertThat(grpcAgent.calls()).isEqualTo(2);
        assertThat(grpcAgent.requestIds()).containsExactly("req-42", "req-42");
    }

    @Test
    void grpcStallTimesOutAtTheDeadline() {
        grpcAgent.script(n -> new FakeGrpcAgent.Stall());
        AgentClients clients = clients("agent.protocol", "grpc", "agent.timeout", "400ms",
                "fleetlink.controller.retry.max-attempts", "1");

        long started = System.nanoTime();
        assertThatThrownBy(() -> systemInfo(clients, grpcHost("fake-stall")).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(AgentTimeoutException.class);
        // Not before the deadline, and long before the 10 s await gives up; the gap leaves room for a loaded machine.
        assertThat((System.nanoTime() - started) / 1_000_000).isBetween(400L, 4_000L);
    }

    @Test
    void grpcClientErrorsMapToTheSameTypesAsHttpAndAreNotRetried() {
        AgentClients clients = clients("agent.protocol", "grpc");

        grpcAgent.script(n -> new FakeGrpcAgent.Fail(Status.INVALID_ARGUMENT.withDescription("task_id: must not be blank")));
        assertThatThrownBy(() -> stop(clients, grpcHost("fake-400"), "r1").await().atMost(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(AgentRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.agentMessage()).isEqualTo("task_id: must not be blank");
                });
        assertThat(grpcAgent.calls()).isEqualTo(1);

        grpcAgent.script(n -> new FakeGrpcAgent.Fail(Status.PERMISSION_DENIED.withDescription("disabled")));
        assertThatThrownBy(() -> stop(clients, grpcHost("fake-403"), "r2").await().atMost(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(AgentRejectedException.class, e -> assertThat(e.code()).isEqualTo(403));
        assertThat(grpcAgent.calls()).isEqualTo(1);

        grpcAgent.script(n -> new FakeGrpcAgent.Fail(Status.UNAUTHENTICATED.withDescription("no")));
        assertThatThrownBy(() -> stop(clients, grpcHost("fake-401"), "r3").await().atMost(Duration.ofSeconds(5)))
                .isInstanceOf(AgentUnauthorizedException.class);
        assertThat(grpcAgent.calls()).isEqualTo(1);
    }

    // ---- metrics, through the application's own client layer

    @Test
    void metricsShowCallsRetriesAndOpenBreakersWithBoundedTags() {
        HostAddress local = new HostAddress("local", "127.0.0.1", TestPorts.httpPort(), TestPorts.grpcPort());
        appClients.call(local, AgentRpc.PING, null, null, (c, o) -> c.ping(o)).await().atMost(Duration.ofSeconds(5));

        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).inScenario("m")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("ok")
                .willReturn(aResponse().withStatus(503).withBody("{\"success\":false,\"code\":503,\"message\":\"busy\"}")));
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).inScenario("m")
                .whenScenarioStateIs("ok").willReturn(okJson(ENVELOPE_OK_INFO)));
        systemInfo(appClients, wireMockHost("wm-metrics")).await().atMost(Duration.ofSeconds(5));

        int closed = TestPorts.freePort();
        HostAddress ghost = new HostAddress("ghost-metrics", "127.0.0.1", closed, closed);
        for (int i = 0; i < 6 && appClients.breakerState("ghost-metrics") != CircuitBreakerState.OPEN; i++) {
            assertThatThrownBy(() -> systemInfo(appClients, ghost).await().atMost(Duration.ofSeconds(10)))
                    .isInstanceOf(AgentUnreachableException.class);
        }
        assertThat(appClients.breakerState("ghost-metrics")).isEqualTo(CircuitBreakerState.OPEN);
        assertThatThrownBy(() -> systemInfo(appClients, ghost).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(AgentUnreachableException.class, e -> assertThat(e.breakerOpen()).isTrue());

        String metrics = given().when().get(ManagementPort.url("/q/metrics")).then().statusCode(200).extract().asString();
        assertThat(metrics).contains("fleetlink_agent_requests_seconds_count{operation=\"ping\",outcome=\"success\",protocol=\"http\"}");
        assertThat(metrics).contains("fleetlink_agent_requests_seconds_bucket{operation=\"system-info\",outcome=\"success\",protocol=\"http\"");
        assertThat(metrics).contains("fleetlink_agent_requests_seconds_count{operation=\"system-info\",outcome=\"unreachable\",protocol=\"http\"}");
        assertThat(metrics).contains("fleetlink_agent_requests_seconds_count{operation=\"system-info\",outcome=\"breaker_open\",protocol=\"http\"}");
        assertThat(gauge(metrics, "fleetlink_agent_retries_total{operation=\"system-info\",protocol=\"http\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(gauge(metrics, "fleetlink_agent_breakers_open")).isGreaterThanOrEqualTo(1.0);
        assertThat(metrics).contains("fleetlink_agent_requests_inflight");
        assertThat(metrics).doesNotContain("ghost-metrics").doesNotContain("wm-metrics");

        appClients.evict("ghost-metrics");
        String after = given().when().get(ManagementPort.url("/q/metrics")).then().extract().asString();
        assertThat(gauge(after, "fleetlink_agent_breakers_open")).isLessThan(gauge(metrics, "fleetlink_agent_breakers_open"));
    }

    private static double gauge(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
        assertThat(m.find()).as("series %s in /q/metrics", series).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
