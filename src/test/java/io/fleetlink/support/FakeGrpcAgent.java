package io.fleetlink.support;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.proto.agent.v1.AgentServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;

/**
 * A gRPC server speaking the agent contract that misbehaves on demand (stalls, UNAVAILABLE, any
 * status), for the faults a real agent cannot be made to produce. Records the request ids it saw.
 *
 * <p>Built from the service descriptor with plain call handlers rather than by extending the
 * generated {@code ImplBase}: Quarkus indexes test classes, and a second implementation of the agent
 * service there would be mistaken for the application's own.
 */
public final class FakeGrpcAgent implements AutoCloseable {

    /** What to do with a call: answer, fail with a status, or never answer. */
    public sealed interface Behaviour permits Answer, Fail, Stall {
    }

    public record Answer() implements Behaviour {
    }

    public record Fail(Status status) implements Behaviour {
    }

    public record Stall() implements Behaviour {
    }

    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final AtomicReference<Function<Integer, Behaviour>> script = new AtomicReference<>(n -> new Answer());
    private final List<String> requestIds = new CopyOnWriteArrayList<>();
    private final List<String> epochs = new CopyOnWriteArrayList<>();
    private static final Metadata.Key<String> EPOCH = Metadata.Key.of("x-fleetlink-epoch", Metadata.ASCII_STRING_MARSHALLER);
    private final AtomicInteger calls = new AtomicInteger();

    public FakeGrpcAgent() throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder(AgentServiceGrpc.getServiceDescriptor())
                .addMethod(AgentServiceGrpc.getPingMethod(),
                        unary(request -> AgentProto.PingResponse.newBuilder().setHostId("fake").setAgentVersion("fake").build()))
                .addMethod(AgentServiceGrpc.getGetSystemInfoMethod(),
                        unary(request -> AgentProto.GetSystemInfoResponse.newBuilder().setHostId("fake").setHostname("fake").build()))
                .addMethod(AgentServiceGrpc.getStopProcessMethod(),
                        unary(request -> AgentProto.StopProcessResponse.newBuilder().setTaskId(request.getTaskId()).setAlreadyStopped(true).build()))
                .addMethod(AgentServiceGrpc.getResetSSHMethod(), unary(request -> AgentProto.ResetSSHResponse.getDefaultInstance()))
                .addMethod(AgentServiceGrpc.getCleanupMachineMethod(), unary(request -> AgentProto.CleanupMachineResponse.getDefaultInstance()))
                .addMethod(AgentServiceGrpc.getMountDatasetMethod(), unary(request -> AgentProto.MountDatasetResponse.getDefaultInstance()))
                .addMethod(AgentServiceGrpc.getUnmountDatasetMethod(), unary(request -> AgentProto.UnmountDatasetResponse.getDefaultInstance()))
                .addMethod(AgentServiceGrpc.getExecuteCommandMethod(), unary(request -> AgentProto.ExecuteCommandResponse.getDefaultInstance()))
                .addMethod(AgentServiceGrpc.getCheckGpuHealthMethod(), unary(request -> AgentProto.CheckGpuHealthResponse.getDefaultInstance()))
                .build();
        this.server = NettyServerBuilder.forPort(TestPorts.freePort())
                .addService(service)
                .build()
                .start();
    }

    public int port() {
        return server.getPort();
    }

    /** Behaviour by call number (1-based, counted over all rpcs); resets the counters. */
    public void script(Function<Integer, Behaviour> behaviour) {
        calls.set(0);
        requestIds.clear();
        epochs.clear();
        script.set(behaviour);
    }

    public int calls() {
        return calls.get();
    }

    public List<String> requestIds() {
        return requestIds;
    }

    /** The {@code x-fleetlink-epoch} metadata of every call, in order ("" when absent). */
    public List<String> epochs() {
        return epochs;
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** A unary handler that records the request id and then follows the script. */
    private <Q, R> ServerCallHandler<Q, R> unary(Function<Q, R> answer) {
        return (call, headers) -> {
            String requestId = headers.get(REQUEST_ID);
            requestIds.add(requestId == null ? "" : requestId);
            String epoch = headers.get(EPOCH);
            epochs.add(epoch == null ? "" : epoch);
            call.request(1);
            return new ServerCall.Listener<>() {
                private Q request;

                @Override
                public void onMessage(Q message) {
                    request = message;
                }

                @Override
                public void onHalfClose() {
                    Behaviour behaviour = script.get().apply(calls.incrementAndGet());
                    if (behaviour instanceof Fail fail) {
                        call.close(fail.status(), new Metadata());
                    } else if (behaviour instanceof Answer) {
                        call.sendHeaders(new Metadata());
                        call.sendMessage(answer.apply(request));
                        call.close(Status.OK, new Metadata());
                    }
                    // Stall: never answer; the caller's deadline must end the call.
                }
            };
        };
    }
}
