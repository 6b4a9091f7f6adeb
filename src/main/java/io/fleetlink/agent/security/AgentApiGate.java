package io.fleetlink.agent.security;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.fleetlink.agent.handler.AuditLog;
import io.fleetlink.agent.handler.RequestMeta;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.web.AgentApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.fleetlink.web.RequestIds;
import io.vertx.core.http.HttpServerRequest;

/**
 * A request to the agent API without one of the agent's credentials (or, with mutual TLS, without a
 * controller's certificate, see {@link ControllerCertificates}) answers 401; one whose credential may
 * not call the operation ({@link AgentCredentials}) answers 403 naming both, and is audited as
 * {@code rejected}. It runs after routing but before the body is read, so an unauthenticated or
 * unauthorised caller cannot make the agent parse anything.
 */
@ApplicationScoped // a proxy: the filter is wired at static init, before runtime config exists
public class AgentApiGate {

    /** The agent API's resource methods and the operation each one is; a method not here is refused. */
    static final Map<String, AgentRpc> OPERATIONS = Map.of(
            "ping", AgentRpc.PING,
            "systemInfo", AgentRpc.SYSTEM_INFO,
            "gpuHealth", AgentRpc.GPU_HEALTH,
            "stopProcess", AgentRpc.PROCESS_STOP,
            "resetSsh", AgentRpc.SSH_RESET,
            "cleanupMachine", AgentRpc.MACHINE_CLEANUP,
            "mountDataset", AgentRpc.DATASET_MOUNT,
            "unmountDataset", AgentRpc.DATASET_UNMOUNT,
            "executeCommand", AgentRpc.COMMAND_EXEC);

    /** The request property that carries the id of the credential the caller presented, for the audit log. */
    public static final String CREDENTIAL_PROPERTY = "fleetlink.agent.credential";

    @Inject
    AgentCredentials credentials;

    @Inject
    ControllerCertificates certificates;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<RestResponse<Envelope<Void>>> filter(SimpleResourceInfo resource, HttpHeaders headers,
            HttpServerRequest request, ContainerRequestContext context) {
        if (!AgentApi.class.isAssignableFrom(resource.getResourceClass())) {
            return Optional.empty();
        }
        Optional<String> refusal = certificates.refusal(request.sslSession());
        if (refusal.isPresent()) {
            return Optional.of(Envelopes.response(401, "unauthorized: " + refusal.get()));
        }
        Optional<AgentCredentials.Credential> credential = credentials.authenticate(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (credential.isEmpty()) {
            return Optional.of(Envelopes.unauthorized("fleetlink.agent.auth.token"));
        }
        AgentRpc operation = OPERATIONS.get(resource.getMethodName());
        if (operation == null) {
            return Optional.of(Envelopes.response(403, "forbidden: " + resource.getMethodName() + " is no agent operation"));
        }
        Optional<String> denied = credential.get().permits(operation) ? certificates.operationRefusal(request.sslSession(), operation)
                : Optional.of(credential.get().refusal(operation));
        if (denied.isPresent()) {
            String message = denied.get();
            AuditLog.rejected(operation, null, meta(headers), "forbidden(403): " + message, 0, credential.get().id());
            return Optional.of(Envelopes.response(403, "forbidden: " + message));
        }
        context.setProperty(CREDENTIAL_PROPERTY, credential.get().id());
        return Optional.empty();
    }

    /** The request id and epoch for the audit line, as far as they are well-formed (the refusal comes first). */
    private static RequestMeta meta(HttpHeaders headers) {
        String requestId = headers.getHeaderString(RequestIds.HEADER);
        try {
            return RequestMeta.of(requestId, headers.getHeaderString(RequestMeta.EPOCH_HEADER), "http");
        } catch (RuntimeException malformed) {
            return RequestMeta.of(requestId != null && RequestIds.valid(requestId) ? requestId : null, "http");
        }
    }
}
