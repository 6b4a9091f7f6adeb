package io.fleetlink.controller.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.fleetlink.controller.client.AgentUnreachableException.Reason;
import io.fleetlink.protocol.AgentRpc;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Classifies what a transport threw into the typed family, looking through wrappers for the cause
 * that says what happened. Shared by both adapters so a refused connection reads the same on both.
 */
final class TransportFailures {

    private TransportFailures() {
    }

    static AgentClientException classify(String hostId, AgentRpc operation, Throwable failure, boolean tls) {
        if (failure instanceof AgentClientException typed) {
            return typed;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            // Checked first: Netty's ConnectTimeoutException is also a ConnectException, and a connect that
            // timed out is reported (and counted in the metrics) as a timeout.
            if (isTimeout(t)) {
                return new AgentTimeoutException(hostId, operation, "no answer in time (" + t.getMessage() + ")", failure);
            }
            if (t instanceof UnknownHostException) {
                return new AgentUnreachableException(hostId, operation, Reason.UNKNOWN_HOST, "unknown host " + t.getMessage(),
                        failure);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new AgentUnreachableException(hostId, operation, Reason.CONNECT_FAILED,
                        "cannot connect: " + t.getMessage(), failure);
            }
            if (t instanceof SSLException) {
                return new AgentUnreachableException(hostId, operation, Reason.TLS_HANDSHAKE,
                        "TLS handshake failed: " + certificateProblem(t).orElse(t.getMessage())
                                + (tls ? "; check agent.tls-cert-file against the agent's certificate"
                                       : "; the agent may expect plain text while agent.tls-enabled is true"), failure);
            }
            if (isConnectionClosed(t)) {
                return new AgentUnreachableException(hostId, operation, Reason.CONNECTION_CLOSED,
                        "connection closed by the agent (" + t.getMessage() + ")"
                                + (tls ? "" : "; if the agent serves TLS, set agent.tls-enabled=true"), failure);
            }
        }
        return new AgentUnreachableException(hostId, operation, Reason.OTHER, "transport failure: " + failure, failure);
    }

    /**
     * Why the agent's certificate was refused (AgentHostTrust's message: expired, not yet valid, another
     * host's), found below the wrappers; Vert.x reports only "Failed to create SSL connection" on top.
     */
    private static java.util.Optional<String> certificateProblem(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException && t.getMessage() != null) {
                return java.util.Optional.of(t.getMessage());
            }
        }
        return java.util.Optional.empty();
    }

    /** The timeouts the HTTP (Vert.x) and gRPC (Netty) transports and Mutiny raise. */
    private static boolean isTimeout(Throwable t) {
        return t instanceof TimeoutException // Vert.x's NoStackTraceTimeoutException among them
                || t instanceof io.smallrye.mutiny.TimeoutException
                || t instanceof SocketTimeoutException
                || t instanceof ConnectTimeoutException
                || t instanceof io.netty.handler.timeout.TimeoutException // read and write timeouts
                || t instanceof SslHandshakeTimeoutException
                || t instanceof DnsNameResolverTimeoutException;
    }

    /**
     * A connection that closed or reset under the call. Vert.x reports a close with
     * {@link HttpClosedException} or with one shared {@code VertxException} instance, which has no type of
     * its own, hence the identity check. The REST client rewraps an {@link HttpClosedException} as a
     * bare {@link IOException} that keeps only the message (its {@code ClientSendRequestHandler}), so
     * that exact shape with Vert.x's own closed-connection message is a closed connection too.
     */
    private static boolean isConnectionClosed(Throwable t) {
        return t instanceof ClosedChannelException
                || t instanceof SocketException
                || t instanceof HttpClosedException
                || t == ConnectionBase.CLOSED_EXCEPTION
                || isRestClientClosed(t);
    }

    private static boolean isRestClientClosed(Throwable t) {
        return t.getClass() == IOException.class
                && t.getCause() == null
                && ConnectionBase.CLOSED_EXCEPTION.getMessage().equals(t.getMessage());
    }
}
