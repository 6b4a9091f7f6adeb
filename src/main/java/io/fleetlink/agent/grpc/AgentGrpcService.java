package io.fleetlink.agent.grpc;

import java.util.function.Function;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.handler.AgentRequestHandler;
import io.fleetlink.agent.handler.RequestMeta;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.proto.agent.v1.MutinyAgentServiceGrpc;
import io.fleetlink.protocol.ProtoMapping;
import io.fleetlink.protocol.StatusCodes;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The agent's gRPC API ({@code fleetlink.agent.v1.AgentService}). Only translates between protobuf
 * and {@link AgentRequestHandler}; rejections become the gRPC status matching the HTTP code, and a
 * request that does not parse is {@code INVALID_ARGUMENT} ({@link StrictRequestParsing}).
 */
@GrpcService
@RegisterInterceptor(AgentGrpcGate.class)
public class AgentGrpcService extends MutinyAgentServiceGrpc.AgentServiceImplBase {

    private final AgentRequestHandler handler;

    public AgentGrpcService(AgentRequestHandler handler) {
        this.handler = handler;
    }

    /** Extends the generated base, not the service interface, because only the base lets us shape the binding. */
    @Override
    public ServerServiceDefinition bindService() {
        return StrictRequestParsing.of(super.bindService());
    }

    @Override
    public Uni<AgentProto.PingResponse> ping(AgentProto.PingRequest request) {
        return call(() -> handler.ping()
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<AgentProto.GetSystemInfoResponse> getSystemInfo(AgentProto.GetSystemInfoRequest request) {
        return call(() -> handler.systemInfo()
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<AgentProto.CheckGpuHealthResponse> checkGpuHealth(AgentProto.CheckGpuHealthRequest request) {
        return call(() -> handler.gpuHealth()
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<AgentProto.StopProcessResponse> stopProcess(AgentProto.StopProcessRequest request) {
        return withMeta(meta -> handler.stopProcess(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<AgentProto.ResetSSHResponse> resetSSH(AgentProto.ResetSSHRequest request) {
        return withMeta(meta -> handler.resetSsh(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<AgentProto.CleanupMachineResponse> cleanupMachine(AgentProto.CleanupMachineRequest request) {
        return withMeta(meta -> handler.cleanupMachine(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<AgentProto.MountDatasetResponse> mountDataset(AgentProto.MountDatasetRequest request) {
        return withMeta(meta -> handler.mountDataset(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<AgentProto.UnmountDatasetResponse> unmountDataset(AgentProto.UnmountDatasetRequest request) {
        return withMeta(meta -> handler.unmountDataset(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<AgentProto.ExecuteCommandResponse> executeCommand(AgentProto.ExecuteCommandRequest request) {
        return withMeta(meta -> handler.executeCommand(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    /** Reads the request id and epoch now: the gRPC context is only current while this method runs. */
    private static <T> Uni<T> withMeta(Function<RequestMeta, Uni<T>> body) {
        String requestId = AgentGrpcGate.REQUEST_ID_KEY.get();
        String epoch = AgentGrpcGate.EPOCH_KEY.get();
        String credential = AgentGrpcGate.CREDENTIAL_KEY.get();
        return call(() -> body.apply(RequestMeta.of(requestId, epoch, "grpc").withCredential(credential)));
    }

    private static <T> Uni<T> call(java.util.function.Supplier<Uni<T>> body) {
        Uni<T> uni;
        try {
            uni = body.get();
        } catch (RuntimeException e) {
            uni = Uni.createFrom().failure(e);
        }
        return uni.onFailure().transform(AgentGrpcService::toStatus);
    }

    static StatusRuntimeException toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            return status;
        }
        if (failure instanceof AgentException agent) {
            if (agent.code() >= 500) {
                Log.errorf(agent.getCause(), "Request failed: %s", agent.getMessage());
            }
            Status.Code code = agent.grpcStatus() != null ? agent.grpcStatus() : StatusCodes.toGrpc(agent.code());
            return Status.fromCode(code)
                    .withDescription(agent.getMessage())
                    .asRuntimeException();
        }
        Log.error("Unexpected failure while serving a gRPC call", failure);
        return Status.INTERNAL
                .withDescription("internal error: " + failure.getClass().getSimpleName() + "; see the agent log for details")
                .asRuntimeException();
    }
}
