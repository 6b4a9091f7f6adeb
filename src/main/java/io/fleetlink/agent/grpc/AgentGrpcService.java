package io.fleetlink.agent.grpc;

import java.util.function.Function;

import io.fleetlink.agent.AgentOperations;
import io.fleetlink.agent.RequestMeta;
import io.fleetlink.proto.agent.v1.AgentService;
import io.fleetlink.proto.agent.v1.CleanupMachineRequest;
import io.fleetlink.proto.agent.v1.CleanupMachineResponse;
import io.fleetlink.proto.agent.v1.ExecuteCommandRequest;
import io.fleetlink.proto.agent.v1.ExecuteCommandResponse;
import io.fleetlink.proto.agent.v1.GetSystemInfoRequest;
import io.fleetlink.proto.agent.v1.GetSystemInfoResponse;
import io.fleetlink.proto.agent.v1.MountDatasetRequest;
import io.fleetlink.proto.agent.v1.MountDatasetResponse;
import io.fleetlink.proto.agent.v1.PingRequest;
import io.fleetlink.proto.agent.v1.PingResponse;
import io.fleetlink.proto.agent.v1.ResetSSHRequest;
import io.fleetlink.proto.agent.v1.ResetSSHResponse;
import io.fleetlink.proto.agent.v1.StopProcessRequest;
import io.fleetlink.proto.agent.v1.StopProcessResponse;
import io.fleetlink.proto.agent.v1.UnmountDatasetRequest;
import io.fleetlink.proto.agent.v1.UnmountDatasetResponse;
import io.fleetlink.protocol.AgentException;
import io.fleetlink.protocol.ProtoMapping;
import io.fleetlink.protocol.StatusCodes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The agent's gRPC API ({@code fleetlink.agent.v1.AgentService}). Only translates between protobuf
 * and {@link AgentOperations}; rejections become the gRPC status matching the HTTP code.
 */
@GrpcService
@RegisterInterceptor(AgentGrpcGate.class)
public class AgentGrpcService implements AgentService {

    private final AgentOperations operations;

    public AgentGrpcService(AgentOperations operations) {
        this.operations = operations;
    }

    @Override
    public Uni<PingResponse> ping(PingRequest request) {
        return call(() -> operations.ping()
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<GetSystemInfoResponse> getSystemInfo(GetSystemInfoRequest request) {
        return call(() -> operations.systemInfo()
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<StopProcessResponse> stopProcess(StopProcessRequest request) {
        return withMeta(meta -> operations.stopProcess(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<ResetSSHResponse> resetSSH(ResetSSHRequest request) {
        return withMeta(meta -> operations.resetSsh(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<CleanupMachineResponse> cleanupMachine(CleanupMachineRequest request) {
        return withMeta(meta -> operations.cleanupMachine(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<MountDatasetResponse> mountDataset(MountDatasetRequest request) {
        return withMeta(meta -> operations.mountDataset(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<UnmountDatasetResponse> unmountDataset(UnmountDatasetRequest request) {
        return withMeta(meta -> operations.unmountDataset(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    @Override
    public Uni<ExecuteCommandResponse> executeCommand(ExecuteCommandRequest request) {
        return withMeta(meta -> operations.executeCommand(ProtoMapping.fromProto(request), meta)
                .map(ProtoMapping::toProto));
    }

    /** Reads the request id now: the gRPC context is only current while this method runs. */
    private static <T> Uni<T> withMeta(Function<RequestMeta, Uni<T>> body) {
        String requestId = AgentGrpcGate.REQUEST_ID_KEY.get();
        return call(() -> body.apply(RequestMeta.of(requestId, "grpc")));
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
            return Status.fromCode(StatusCodes.toGrpc(agent.code()))
                    .withDescription(agent.getMessage())
                    .asRuntimeException();
        }
        Log.error("Unexpected failure while serving a gRPC call", failure);
        return Status.INTERNAL
                .withDescription("internal error: " + failure.getClass().getSimpleName() + "; see the agent log for details")
                .asRuntimeException();
    }
}
