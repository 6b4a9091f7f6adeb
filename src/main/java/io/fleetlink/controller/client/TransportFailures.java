package io.fleetlink.controller.client;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.fleetlink.protocol.AgentRpc;

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
            if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
                return new AgentTimeoutException(hostId, operation, "no answer in time (" + t.getMessage() + ")", failure);
            }
            if (t instanceof UnknownHostException) {
                return new AgentUnreachableException(hostId, operation, "unknown host " + t.getMessage(), failure);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new AgentUnreachableException(hostId, operation, "cannot connect: " + t.getMessage(), failure);
            }
            if (t instanceof SSLException) {
                return new AgentUnreachableException(hostId, operation, "TLS handshake failed: " + t.getMessage()
                        + (tls ? "; check agent.tls-cert-file against the agent's certificate"
                               : "; the agent may expect plain text while agent.tls-enabled is true"), failure);
            }
            if (t instanceof ClosedChannelException || t instanceof SocketException
                    || t.getClass().getSimpleName().equals("HttpClosedException")
                    || String.valueOf(t.getMessage()).contains("Connection was closed")) {
                return new AgentUnreachableException(hostId, operation, "connection closed by the agent ("
                        + t.getMessage() + ")" + (tls ? "" : "; if the agent serves TLS, set agent.tls-enabled=true"), failure);
            }
        }
        return new AgentUnreachableException(hostId, operation, "transport failure: " + failure, failure);
    }
}
