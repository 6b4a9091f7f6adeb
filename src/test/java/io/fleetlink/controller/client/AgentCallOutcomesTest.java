package io.fleetlink.controller.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.support.FakeGrpcAgent;
import io.fleetlink.support.TestConfigs;
import io.fleetlink.support.TestPorts;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;

/**
 * One outcome, one typed error, whatever the transport: each test runs the same assertions over HTTP
 * (WireMock) and gRPC (a scripted server), because these are the faults a real agent cannot be made to
 * produce on demand (the real agent's answers are covered by {@code AgentClientContract}). Every attempt
 * is checked in the attempt log too, with the outcome the metrics use.
 */
@QuarkusTest
class AgentCallOutcomesTest {

    enum Transport { HTTP, GRPC }

    private static final String OK_STOP = "{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":{\"task_id\":\"t1\","
            + "\"killed_pids\":[],\"escalated_to_kill\":false,\"already_stopped\":true}}";
    private static final String OK_INFO = "{\"success\":true,\"code\":200,\"message\":\"ok\",\"data\":{\"host_id\":\"wm\",\"hostname\":\"wm\"}}";
    private static final String STOP = "/api/v1/process/stop";
    private static final Duration WAIT = Duration.ofSeconds(15);

    static WireMockServer wireMock;
    static FakeGrpcAgent grpc;

    @Inject
    ControllerAgentToken token;

    @Inject
    ObjectMapper json;

    @Inject
    AgentTls tls;

    @Inject
    MeterRegistry registry;

    final List<CallAttempt> attempts = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        wireMock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wireMock.start();
        grpc = new FakeGrpcAgent();
    }

    @AfterAll
    static void stop() throws Exception {
        wireMock.stop();
        grpc.close();
    }

    @BeforeEach
    void reset() {
        wireMock.resetAll();
        grpc.script(n -> new FakeGrpcAgent.Answer());
        attempts.clear();
    }

    private AgentClients clients(Transport transport, String... settings) {
        String[] all = new String[settings.length + 2];
        all[0] = "agent.protocol";
        all[1] = transport == Transport.HTTP ? "http" : "grpc";
        System.arraycopy(settings, 0, all, 2, settings.length);
        TestConfigs configs = TestConfigs.with(all);
        return new AgentClients(configs.link(), configs.controller(), token, json, tls, registry);
    }

    private static HostAddress host(Transport transport, String name) {
        String id = name + "-" + transport.name().toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 6);
        return transport == Transport.HTTP
                ? new HostAddress(id, "127.0.0.1", wireMock.port(), TestPorts.freePort())
                : new HostAddress(id, "127.0.0.1", TestPorts.freePort(), grpc.port());
    }

    private Uni<StopProcessResponse> stop(AgentClients clients, HostAddress host, String requestId, long epoch) {
        AttemptLog log = attempt -> {
            attempts.add(attempt);
            return Uni.createFrom().voidItem();
        };
        return clients.callWith(host, AgentRpc.PROCESS_STOP, CallContext.of(requestId, epoch).recorded(log, null), null,
                (client, options) -> client.stopProcess(new StopProcessRequest("t1", null, null), options));
    }

    /** An HTTP answer with this status and envelope; over gRPC the matching status. */
    private void answer(Transport transport, int code, String message, Status status) {
        if (transport == Transport.HTTP) {
            wireMock.stubFor(post(urlEqualTo(STOP)).willReturn(aResponse().withStatus(code)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"success\":false,\"code\":" + code + ",\"message\":\"" + message + "\"}")));
        } else {
            grpc.script(n -> new FakeGrpcAgent.Fail(status.withDescription(message)));
        }
    }

    private static List<String> requestIds(Transport transport) {
        return transport == Transport.HTTP
                ? wireMock.findAll(postRequestedFor(urlEqualTo(STOP))).stream().map(r -> r.getHeader("X-Request-Id")).toList()
                : grpc.requestIds();
    }

    private static List<String> epochs(Transport transport) {
        return transport == Transport.HTTP
                ? wireMock.findAll(postRequestedFor(urlEqualTo(STOP))).stream().map(LoggedRequest::getHeaders)
                        .map(h -> h.getHeader("X-Fleetlink-Epoch").firstValue()).toList()
                : grpc.epochs();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void okCarriesTheEpochAndTheRequestId(Transport transport) {
        wireMock.stubFor(post(urlEqualTo(STOP)).willReturn(okJson(OK_STOP)));

        StopProcessResponse result = stop(clients(transport), host(transport, "ok"), "req-ok", 5).await().atMost(WAIT);

        assertThat(result.taskId()).isEqualTo("t1");
        assertThat(requestIds(transport)).containsExactly("req-ok");
        assertThat(epochs(transport)).containsExactly("5");
        assertThat(attempts).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo("success");
            assertThat(a.epoch()).isEqualTo(5L);
            assertThat(a.requestId()).isEqualTo("req-ok");
        });
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aFourHundredIsRejectedAndNotRetried(Transport transport) {
        answer(transport, 400, "task_id: must not be blank", Status.INVALID_ARGUMENT);

        assertThatThrownBy(() -> stop(clients(transport), host(transport, "r400"), "req-400", 1).await().atMost(WAIT))
                .isInstanceOfSatisfying(AgentRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.outcome()).isEqualTo("rejected");
                });
        assertThat(requestIds(transport)).hasSize(1);
        assertThat(attempts).extracting(CallAttempt::outcome).containsExactly("rejected");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aFourOhOneIsUnauthorizedAndNotRetried(Transport transport) {
        answer(transport, 401, "missing or invalid bearer token", Status.UNAUTHENTICATED);

        assertThatThrownBy(() -> stop(clients(transport), host(transport, "r401"), "req-401", 1).await().atMost(WAIT))
                .isInstanceOf(AgentUnauthorizedException.class);
        assertThat(requestIds(transport)).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aStaleEpochIsFencedAndNotRetried(Transport transport) {
        answer(transport, 409, "stale epoch 3, this host is at 7", Status.FAILED_PRECONDITION);

        assertThatThrownBy(() -> stop(clients(transport), host(transport, "r409"), "req-409", 3).await().atMost(WAIT))
                .isInstanceOfSatisfying(AgentFencedException.class, e -> {
                    assertThat(e.staleEpoch()).isEqualTo(3);
                    assertThat(e.hostEpoch()).isEqualTo(7);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.outcome()).isEqualTo("fenced");
                });
        assertThat(requestIds(transport)).hasSize(1);
        assertThat(attempts).extracting(CallAttempt::outcome).containsExactly("fenced");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aFiveHundredIsRetriedWithTheSameRequestIdThenGivenUp(Transport transport) {
        answer(transport, 500, "boom", Status.INTERNAL);

        assertThatThrownBy(() -> stop(clients(transport, "fleetlink.controller.retry.max-attempts", "3"),
                host(transport, "r500"), "req-500", 1).await().atMost(WAIT))
                .isInstanceOfSatisfying(AgentRejectedException.class, e -> assertThat(e.code()).isEqualTo(500));
        assertThat(requestIds(transport)).containsExactly("req-500", "req-500", "req-500");
        assertThat(attempts).extracting(CallAttempt::outcome).containsExactly("rejected", "rejected", "rejected");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void theAgentsFiveOhFourIsATimeoutRetriedWithTheSameRequestId(Transport transport) {
        String stillRunning = "process-stop did not finish in time; still running; retry with the same X-Request-Id to get its result";
        if (transport == Transport.HTTP) {
            wireMock.stubFor(post(urlEqualTo(STOP)).inScenario("504").whenScenarioStateIs(Scenario.STARTED)
                    .willSetStateTo("done").willReturn(aResponse().withStatus(504)
                            .withBody("{\"success\":false,\"code\":504,\"message\":\"" + stillRunning + "\"}")));
            wireMock.stubFor(post(urlEqualTo(STOP)).inScenario("504").whenScenarioStateIs("done").willReturn(okJson(OK_STOP)));
        } else {
            grpc.script(n -> n == 1 ? new FakeGrpcAgent.Fail(Status.DEADLINE_EXCEEDED.withDescription(stillRunning))
                    : new FakeGrpcAgent.Answer());
        }

        StopProcessResponse result = stop(clients(transport), host(transport, "r504"), "req-504", 2).await().atMost(WAIT);

        assertThat(result.taskId()).isEqualTo("t1");
        assertThat(requestIds(transport)).containsExactly("req-504", "req-504");
        assertThat(attempts).extracting(CallAttempt::outcome).containsExactly("timeout", "success");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void theAgentsFiveOhFourAloneIsATimeout(Transport transport) {
        answer(transport, 504, "still running", Status.DEADLINE_EXCEEDED);

        assertThatThrownBy(() -> stop(clients(transport, "fleetlink.controller.retry.max-attempts", "1"),
                host(transport, "t504"), "req-t504", 2).await().atMost(WAIT))
                .isInstanceOfSatisfying(AgentTimeoutException.class, e -> assertThat(e.outcome()).isEqualTo("timeout"));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aStalledAgentTimesOutAndOpensItsBreaker(Transport transport) {
        wireMock.stubFor(get(urlEqualTo("/api/v1/system/info")).willReturn(okJson(OK_INFO).withFixedDelay(10_000)));
        grpc.script(n -> new FakeGrpcAgent.Stall());
        AgentClients clients = clients(transport, "agent.timeout", "300ms", "fleetlink.controller.retry.max-attempts", "1",
                "fleetlink.controller.breaker.request-volume-threshold", "4", "fleetlink.controller.breaker.delay", "30s");
        HostAddress host = host(transport, "stall");

        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> clients.call(host, AgentRpc.SYSTEM_INFO, null, null,
                    (client, options) -> client.getSystemInfo(options)).await().atMost(WAIT))
                    .isInstanceOf(AgentTimeoutException.class);
        }
        assertThat(clients.breakerState(host.hostId())).isEqualTo(CircuitBreakerState.OPEN);
        int sent = transport == Transport.HTTP
                ? wireMock.findAll(getRequestedFor(urlEqualTo("/api/v1/system/info"))).size()
                : grpc.calls();
        assertThatThrownBy(() -> clients.call(host, AgentRpc.SYSTEM_INFO, null, null,
                (client, options) -> client.getSystemInfo(options)).await().atMost(WAIT))
                .isInstanceOfSatisfying(AgentUnreachableException.class, e -> assertThat(e.breakerOpen()).isTrue());
        int after = transport == Transport.HTTP
                ? wireMock.findAll(getRequestedFor(urlEqualTo("/api/v1/system/info"))).size()
                : grpc.calls();
        assertThat(after).as("an open breaker sends nothing").isEqualTo(sent);
        assertThat(clients.untilTrial(host.hostId())).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRefusedConnectionIsUnreachable(Transport transport) {
        int closed = TestPorts.freePort();
        HostAddress host = new HostAddress("refused-" + transport, "127.0.0.1", closed, closed);

        assertThatThrownBy(() -> stop(clients(transport, "fleetlink.controller.retry.max-attempts", "2"), host,
                "req-refused", 1).await().atMost(WAIT))
                .isInstanceOfSatisfying(AgentUnreachableException.class, e -> {
                    assertThat(e.outcome()).isEqualTo("unreachable");
                    assertThat(e.retryable()).isTrue();
                });
        assertThat(attempts).extracting(CallAttempt::outcome).containsExactly("unreachable", "unreachable");
    }
}
