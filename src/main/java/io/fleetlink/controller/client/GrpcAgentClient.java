package io.fleetlink.controller.client;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.proto.agent.v1.MutinyAgentServiceGrpc;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.fleetlink.protocol.CheckGpuHealthResponse;
import io.fleetlink.protocol.GetSystemInfoResponse;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountDatasetResponse;
import io.fleetlink.protocol.PingResponse;
import io.fleetlink.protocol.ProtoMapping;
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.ResetSshResponse;
import io.fleetlink.protocol.StatusCodes;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountDatasetResponse;
import io.fleetlink.web.RequestIds;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.smallrye.mutiny.Uni;

/**
 * {@link AgentClient} over the agent's gRPC service, with Mutiny stubs on one channel per host.
 * Every call carries the token, the request id and a gRPC deadline; statuses map to the same
 * typed errors as the HTTP adapter's codes.
 */
final class GrpcAgentClient implements AgentClient {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of(RequestIds.METADATA_KEY, Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> EPOCH = Metadata.Key.of(EpochHeaders.METADATA_KEY, Metadata.ASCII_STRING_MARSHALLER);

    private final HostAddress host;
    private final String authorization;
    private final boolean tls;
    private final ManagedChannel channel;
    private final MutinyAgentServiceGrpc.MutinyAgentServiceStub stub;

    GrpcAgentClient(HostAddress host, String token, Optional<SslContext> tls) {
        this(host, token, tls, null);
    }

    /**
     * With {@code loops}: the channel runs on these (NIO) event loops, the controller's own Vert.x ones,
     * instead of a group of its own. Either way answers are handled on the channel's event loop thread
     * ({@code directExecutor}), not handed to gRPC's default executor first: everything after an agent
     * call is non-blocking Mutiny, as it is after an HTTP call, which also completes on an event loop.
     */
    GrpcAgentClient(HostAddress host, String token, Optional<SslContext> tls, EventLoopGroup loops) {
        this.host = host;
        this.authorization = "Bearer " + token;
        this.tls = tls.isPresent();
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host.address(), host.grpcPort())
                .directExecutor();
        if (loops != null) {
            builder.eventLoopGroup(loops).channelType(NioSocketChannel.class);
        }
        if (tls.isPresent()) {
            builder.sslContext(tls.get()).useTransportSecurity();
        } else {
            builder.usePlaintext();
        }
        this.channel = builder.build();
        this.stub = MutinyAgentServiceGrpc.newMutinyStub(channel);
    }

    @Override
    public Uni<PingResponse> ping(CallOptions options) {
        return call(AgentRpc.PING, options, s -> s.ping(AgentProto.PingRequest.getDefaultInstance())
                .map(ProtoMapping::fromProto));
    }

    @Override
    public Uni<GetSystemInfoResponse> getSystemInfo(CallOptions options) {
        return call(AgentRpc.SYSTEM_INFO, options, s -> s.getSystemInfo(AgentProto.GetSystemInfoRequest.getDefaultInstance())
                .map(ProtoMapping::fromProto));
    }

    @Override
    public Uni<CheckGpuHealthResponse> checkGpuHealth(CallOptions options) {
        return call(AgentRpc.GPU_HEALTH, options, s -> s.checkGpuHealth(AgentProto.CheckGpuHealthRequest.getDefaultInstance())
                .map(ProtoMapping::fromProto));
    }

    @Override
    public Uni<StopProcessResponse> stopProcess(StopProcessRequest request, CallOptions options) {
        return call(AgentRpc.PROCESS_STOP, options, s -> s.stopProcess(ProtoMapping.toProto(request))
                .map(ProtoMapping::fromProto));
    }

    @Override
    public Uni<ResetSshResponse> resetSsh(ResetSshRequest request, CallOptions options) {
        return call(AgentRpc.SSH_RESET, options, s -> s.resetSSH(ProtoMapping.toProto(request))
                .map(ProtoMapping::fromProto));
    }

    @Override
    public Uni<CleanupMachineResponse> cleanupMachine(CleanupMachineRequest request, CallOptions options) {
        return call(AgentRpc.MACHINE_CLEANUP, options, s -> s.cleanupMachine(ProtoMapping.toProto(request))
                .map(ProtoMapping::fromProto));
    }

    @Override
    public Uni<MountDatasetResponse> mountDataset(MountDatasetRequest request, CallOptions options) {
        return call(AgentRpc.DATASET_MOUNT, options, s -> s.mountDataset(ProtoMapping.toProto(request))
                .map(ProtoMapping::fromProto));
    }

    @Override
    public Uni<UnmountDatasetResponse> unmountDataset(UnmountDatasetRequest request, CallOptions options) {
        return call(AgentRpc.DATASET_UNMOUNT, options, s -> s.unmountDataset(ProtoMapping.toProto(request))
                .map(ProtoMapping::fromProto));
    }

    @Override
    public Uni<ExecuteCommandResponse> executeCommand(ExecuteCommandRequest request, CallOptions options) {
        return call(AgentRpc.COMMAND_EXEC, options, s -> s.executeCommand(ProtoMapping.toProto(request))
                .map(ProtoMapping::fromProto));
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }

    private <T> Uni<T> call(AgentRpc operation, CallOptions options,
            Function<MutinyAgentServiceGrpc.MutinyAgentServiceStub, Uni<T>> rpc) {
        return Uni.createFrom().deferred(() -> rpc.apply(stubFor(options)))
                .ifNoItem().after(options.timeout()).failWith(() -> new AgentTimeoutException(host.hostId(), operation,
                        "no answer within " + options.timeout().toMillis() + " ms", null))
                .onFailure().transform(failure -> classify(operation, failure));
    }

    private MutinyAgentServiceGrpc.MutinyAgentServiceStub stubFor(CallOptions options) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, authorization);
        options.requestId().ifPresent(id -> headers.put(REQUEST_ID, id));
        options.epoch().ifPresent(epoch -> headers.put(EPOCH, Long.toString(epoch)));
        return stub
                .withDeadlineAfter(options.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private AgentClientException classify(AgentRpc operation, Throwable failure) {
        if (!(failure instanceof StatusRuntimeException sre)) {
            return TransportFailures.classify(host.hostId(), operation, failure, tls);
        }
        Status status = sre.getStatus();
        String description = status.getDescription() == null ? status.getCode().name() : status.getDescription();
        return switch (status.getCode()) {
            case UNAVAILABLE -> status.getCause() != null
                    ? TransportFailures.classify(host.hostId(), operation, status.getCause(), tls)
                    : new AgentUnreachableException(host.hostId(), operation, AgentUnreachableException.Reason.OTHER, "unavailable: " + description
                            + (!tls && description.contains("closed") ? "; if the agent serves TLS, set agent.tls-enabled=true" : ""), failure);
            // The client's deadline or the agent's own 504: either way the work may still run there, and a
            // retry with the same request id gets the first run's result. Same type as HTTP's 504.
            case DEADLINE_EXCEEDED -> new AgentTimeoutException(host.hostId(), operation, "deadline exceeded: " + description, failure);
            case FAILED_PRECONDITION, ALREADY_EXISTS -> {
                AgentFencedException fenced = AgentFencedException.parse(host.hostId(), operation,
                        StatusCodes.toHttp(status.getCode()) == 409 ? 409 : 412, description);
                yield fenced != null ? fenced
                        : new AgentRejectedException(host.hostId(), operation, StatusCodes.toHttp(status.getCode()), description);
            }
            case UNAUTHENTICATED -> new AgentUnauthorizedException(host.hostId(), operation, description);
            case UNKNOWN, INTERNAL -> status.getCause() != null
                    ? TransportFailures.classify(host.hostId(), operation, status.getCause(), tls)
                    : new AgentRejectedException(host.hostId(), operation, StatusCodes.toHttp(status.getCode()), description);
            default -> new AgentRejectedException(host.hostId(), operation, StatusCodes.toHttp(status.getCode()), description);
        };
    }
}
