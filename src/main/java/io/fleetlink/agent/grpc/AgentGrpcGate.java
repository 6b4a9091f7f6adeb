package io.fleetlink.agent.grpc;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.handler.AuditLog;
import io.fleetlink.agent.handler.RequestMeta;
import io.fleetlink.agent.security.AgentCredentials;
import io.fleetlink.agent.security.ControllerCertificates;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.proto.agent.v1.AgentServiceGrpc;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.web.RequestIds;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The gRPC twin of the HTTP gate: UNIMPLEMENTED when the agent role is off, UNAUTHENTICATED without
 * one of the agent's credentials, PERMISSION_DENIED (audited as {@code rejected}) when the credential
 * may not call the method, all decided from the headers before any request message is read.
 * Passes the caller's {@code x-request-id} and {@code x-fleetlink-epoch} on to the service through the
 * gRPC context.
 */
@ApplicationScoped
public class AgentGrpcGate implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of(RequestIds.METADATA_KEY, Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> REQUEST_ID_KEY = Context.key("fleetlink-request-id");
    static final Metadata.Key<String> EPOCH = Metadata.Key.of(RequestMeta.EPOCH_METADATA_KEY, Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> EPOCH_KEY = Context.key("fleetlink-epoch");
    static final Context.Key<String> CREDENTIAL_KEY = Context.key("fleetlink-credential");

    /** The agent service's methods and the operation each one is; a method not here is refused. */
    static final Map<String, AgentRpc> OPERATIONS = Map.of(
            AgentServiceGrpc.getPingMethod().getFullMethodName(), AgentRpc.PING,
            AgentServiceGrpc.getGetSystemInfoMethod().getFullMethodName(), AgentRpc.SYSTEM_INFO,
            AgentServiceGrpc.getCheckGpuHealthMethod().getFullMethodName(), AgentRpc.GPU_HEALTH,
            AgentServiceGrpc.getStopProcessMethod().getFullMethodName(), AgentRpc.PROCESS_STOP,
            AgentServiceGrpc.getResetSSHMethod().getFullMethodName(), AgentRpc.SSH_RESET,
            AgentServiceGrpc.getCleanupMachineMethod().getFullMethodName(), AgentRpc.MACHINE_CLEANUP,
            AgentServiceGrpc.getMountDatasetMethod().getFullMethodName(), AgentRpc.DATASET_MOUNT,
            AgentServiceGrpc.getUnmountDatasetMethod().getFullMethodName(), AgentRpc.DATASET_UNMOUNT,
            AgentServiceGrpc.getExecuteCommandMethod().getFullMethodName(), AgentRpc.COMMAND_EXEC);

    private final FleetlinkConfig fleetlink;
    private final AgentCredentials credentials;
    private final ControllerCertificates certificates;

    public AgentGrpcGate(FleetlinkConfig fleetlink, AgentCredentials credentials, ControllerCertificates certificates) {
        this.fleetlink = fleetlink;
        this.credentials = credentials;
        this.certificates = certificates;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!fleetlink.role().runsAgent()) {
            return reject(call, Status.UNIMPLEMENTED.withDescription(
                    "the agent service is off in role '" + fleetlink.role().configName() + "'"));
        }
        Optional<String> refusal = certificates.refusal(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (refusal.isPresent()) {
            return reject(call, Status.UNAUTHENTICATED.withDescription(refusal.get()));
        }
        Optional<AgentCredentials.Credential> credential = credentials.authenticate(headers.get(AUTHORIZATION));
        if (credential.isEmpty()) {
            return reject(call, Status.UNAUTHENTICATED.withDescription(
                    "send metadata 'authorization: Bearer <token>' with the token set in fleetlink.agent.auth.token"));
        }
        AgentRpc operation = OPERATIONS.get(call.getMethodDescriptor().getFullMethodName());
        if (operation == null) {
            return reject(call, Status.PERMISSION_DENIED.withDescription(
                    call.getMethodDescriptor().getFullMethodName() + " is no agent operation"));
        }
        Optional<String> denied = credential.get().permits(operation)
                ? certificates.operationRefusal(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), operation)
                : Optional.of(credential.get().refusal(operation));
        if (denied.isPresent()) {
            String message = denied.get();
            AuditLog.rejected(operation, null, meta(headers), "forbidden(403): " + message, 0, credential.get().id());
            return reject(call, Status.PERMISSION_DENIED.withDescription(message));
        }
        Context context = Context.current().withValue(REQUEST_ID_KEY, headers.get(REQUEST_ID))
                .withValue(EPOCH_KEY, headers.get(EPOCH)).withValue(CREDENTIAL_KEY, credential.get().id());
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The request id and epoch for the audit line, as far as they are well-formed (the refusal comes first). */
    private static RequestMeta meta(Metadata headers) {
        String requestId = headers.get(REQUEST_ID);
        try {
            return RequestMeta.of(requestId, headers.get(EPOCH), "grpc");
        } catch (RuntimeException malformed) {
            return RequestMeta.of(requestId != null && RequestIds.valid(requestId) ? requestId : null, "grpc");
        }
    }

    private static <Q, R> ServerCall.Listener<Q> reject(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
