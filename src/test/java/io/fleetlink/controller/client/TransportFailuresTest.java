package io.fleetlink.controller.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;

import javax.net.ssl.SSLHandshakeException;

import jakarta.ws.rs.ProcessingException;

import org.junit.jupiter.api.Test;

import io.fleetlink.controller.client.AgentUnreachableException.Reason;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.support.TestConfigs;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.core.net.impl.ConnectionBase;

/** What each transport exception becomes, by its type, and which of them an exec call may repeat. */
class TransportFailuresTest {

    private static AgentClientException classify(Throwable failure) {
        return TransportFailures.classify("h1", AgentRpc.COMMAND_EXEC, failure, false);
    }

    private static Reason reason(Throwable failure) {
        AgentClientException classified = classify(failure);
        assertThat(classified).isInstanceOf(AgentUnreachableException.class);
        return ((AgentUnreachableException) classified).reason();
    }

    @Test
    void refusedOrUnroutableConnectionsNeverReachedTheAgent() {
        assertThat(reason(new ConnectException("Connection refused"))).isEqualTo(Reason.CONNECT_FAILED);
        assertThat(reason(new NoRouteToHostException("no route"))).isEqualTo(Reason.CONNECT_FAILED);
        assertThat(classify(new ConnectException("Connection refused")).getMessage())
                .isEqualTo("agent h1, command-exec: cannot connect: Connection refused");
    }

    @Test
    void wrappersAreLookedThrough() {
        assertThat(reason(new ProcessingException(new ConnectException("Connection refused"))))
                .isEqualTo(Reason.CONNECT_FAILED);
        assertThat(classify(new ProcessingException(new NoStackTraceTimeoutException("idle"))))
                .isInstanceOf(AgentTimeoutException.class);
    }

    @Test
    void timeoutsOfEveryTransportAreTimeouts() {
        assertThat(classify(new ConnectTimeoutException("connect timed out"))).isInstanceOf(AgentTimeoutException.class);
        assertThat(classify(new NoStackTraceTimeoutException("The timeout period of 30000ms has been exceeded")))
                .isInstanceOf(AgentTimeoutException.class);
        assertThat(classify(new io.smallrye.mutiny.TimeoutException())).isInstanceOf(AgentTimeoutException.class);
        assertThat(classify(new SocketTimeoutException("Read timed out"))).isInstanceOf(AgentTimeoutException.class);
        assertThat(classify(ReadTimeoutException.INSTANCE)).isInstanceOf(AgentTimeoutException.class);
    }

    @Test
    void closedAndResetConnectionsAreClosed() {
        assertThat(reason(new SocketException("Connection reset"))).isEqualTo(Reason.CONNECTION_CLOSED);
        assertThat(reason(new ClosedChannelException())).isEqualTo(Reason.CONNECTION_CLOSED);
        assertThat(reason(new HttpClosedException("Connection was closed"))).isEqualTo(Reason.CONNECTION_CLOSED);
        assertThat(reason(ConnectionBase.CLOSED_EXCEPTION)).isEqualTo(Reason.CONNECTION_CLOSED);
        // The REST client's rewrap of an HttpClosedException: a bare IOException with Vert.x's message.
        assertThat(reason(new IOException(ConnectionBase.CLOSED_EXCEPTION.getMessage()))).isEqualTo(Reason.CONNECTION_CLOSED);
        assertThat(classify(new SocketException("Connection reset")).getMessage())
                .isEqualTo("agent h1, command-exec: connection closed by the agent (Connection reset); "
                        + "if the agent serves TLS, set agent.tls-enabled=true");
    }

    @Test
    void unknownHostsTlsAndTheRestKeepTheirReason() {
        assertThat(reason(new UnknownHostException("nowhere.invalid"))).isEqualTo(Reason.UNKNOWN_HOST);
        assertThat(reason(new SSLHandshakeException("bad certificate"))).isEqualTo(Reason.TLS_HANDSHAKE);
        assertThat(reason(new IOException("something else"))).isEqualTo(Reason.OTHER);
        assertThat(classify(new IOException("something else")).getMessage())
                .isEqualTo("agent h1, command-exec: transport failure: java.io.IOException: something else");
    }

    @Test
    void execIsRepeatedOnlyWhenTheConnectionWasNeverMade() {
        TestConfigs configs = TestConfigs.with();
        CallPolicy policy = new CallPolicy(configs.link(), configs.controller());

        assertThat(policy.retryable(AgentRpc.COMMAND_EXEC, classify(new ConnectException("Connection refused")))).isTrue();
        assertThat(policy.retryable(AgentRpc.COMMAND_EXEC, classify(new SocketException("Connection reset")))).isFalse();
        assertThat(policy.retryable(AgentRpc.COMMAND_EXEC, classify(new ConnectTimeoutException("slow")))).isFalse();
        assertThat(policy.retryable(AgentRpc.COMMAND_EXEC,
                AgentUnreachableException.breakerOpen("h1", AgentRpc.COMMAND_EXEC, "circuit breaker open"))).isFalse();
        assertThat(policy.retryable(AgentRpc.PROCESS_STOP, classify(new SocketException("Connection reset")))).isTrue();
    }
}
