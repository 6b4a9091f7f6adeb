package io.fleetlink.support;

import java.util.concurrent.TimeUnit;

import io.fleetlink.proto.agent.v1.AgentServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/** A plain grpc-java client of the agent, as any third-party gRPC caller would build it from the proto. */
public final class AgentGrpc implements AutoCloseable {

    public static final String TOKEN = "test-agent-token-0123456789";

    private final ManagedChannel channel;

    public AgentGrpc(int port) {
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    public static AgentGrpc local() {
        return new AgentGrpc(TestPorts.grpcPort());
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** A stub that sends {@code authorization: Bearer <token>}, or nothing when token is null. */
    public AgentServiceGrpc.AgentServiceBlockingStub stub(String token) {
        AgentServiceGrpc.AgentServiceBlockingStub stub = AgentServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        if (token == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    public AgentServiceGrpc.AgentServiceBlockingStub authorized() {
        return stub(TOKEN);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
