package io.fleetlink.agent.grpc;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.security.AgentCredentials;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;

/**
 * Puts the agent's bearer token in front of gRPC server reflection, which Quarkus registers itself
 * when {@code fleetlink.agent.grpc.reflection=true} (so {@link AgentGrpcGate}, bound to the agent
 * service, does not see it). Every other service passes through untouched: the agent service has its
 * own gate and {@code grpc.health.v1.Health} stays anonymous for probes.
 */
@GlobalInterceptor
@ApplicationScoped
public class GrpcReflectionGate implements ServerInterceptor {

    static final String REFLECTION_PREFIX = "grpc.reflection.";

    private final AgentCredentials credentials;

    public GrpcReflectionGate(AgentCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (service == null || !service.startsWith(REFLECTION_PREFIX) || credentials.accepts(headers.get(AgentGrpcGate.AUTHORIZATION))) {
            return next.startCall(call, headers);
        }
        call.close(Status.UNAUTHENTICATED.withDescription(
                "send metadata 'authorization: Bearer <token>' with the token set in fleetlink.agent.auth.token"), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
