package io.fleetlink.support;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.fleetlink.proto.agent.v1.AgentServiceGrpc;
import io.fleetlink.proto.agent.v1.GetSystemInfoRequest;
import io.fleetlink.proto.agent.v1.GetSystemInfoResponse;
import io.fleetlink.proto.agent.v1.PingRequest;
import io.fleetlink.proto.agent.v1.PingResponse;
import io.fleetlink.proto.agent.v1.StopProcessRequest;
import io.fleetlink.proto.agent.v1.StopProcessResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * A gRPC server speaking the agent contract that misbehaves on demand (stalls, UNAVAILABLE, any
 * status), for the faults a real agent cannot be made to produce. Records the request ids it saw.
 */
public final class FakeGrpcAgent implements AutoCloseable {

    /** What to do with the next call: answer, fail with a status, or never answer. */
    public sealed interface Behaviour permits Answer, Fail, Stall {
    }

    public record Answer() implements Behaviour {
    }

    public record Fail(Status status) implements Behaviour {
    }

    public record Stall() implements Behaviour {
    }

    private static final Context.Key<String> REQUEST_ID = Context.key("request-id");
    private static final Metadata.Key<String> REQUEST_ID_HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final AtomicReference<Function<Integer, Behaviour>> script = new AtomicReference<>(n -> new Answer());
    private final List<String> requestIds = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

    public FakeGrpcAgent() throws IOException {
        ServerInterceptor captureRequestId = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String id = headers.get(REQUEST_ID_HEADER);
                return Contexts.interceptCall(Context.current().withValue(REQUEST_ID, id == null ? "" : id), call, headers, next);
            }
        };
        this.server = NettyServerBuilder.forPort(TestPorts.freePort())
                .addService(ServerInterceptors.intercept(new Service(), captureRequestId))
                .build()
                .start();
    }

    public int port() {
        return server.getPort();
    }

    /** Behaviour by call number (1-based, counted over all rpcs). */
    public void script(Function<Integer, Behaviour> behaviour) {
        calls.set(0);
        requestIds.clear();
        script.set(behaviour);
    }

    public int calls() {
        return calls.get();
    }

    public List<String> requestIds() {
        return requestIds;
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Service extends AgentServiceGrpc.AgentServiceImplBase {

        @Override
        public void ping(PingRequest request, StreamObserver<PingResponse> observer) {
            handle(observer, PingResponse.newBuilder().setHostId("fake").setAgentVersion("fake").build());
        }

        @Override
        public void getSystemInfo(GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> observer) {
            handle(observer, GetSystemInfoResponse.newBuilder().setHostId("fake").setHostname("fake").build());
        }

        @Override
        public void stopProcess(StopProcessRequest request, StreamObserver<StopProcessResponse> observer) {
            handle(observer, StopProcessResponse.newBuilder().setTaskId(request.getTaskId()).setAlreadyStopped(true).build());
        }

        private <T> void handle(StreamObserver<T> observer, T answer) {
            requestIds.add(REQUEST_ID.get());
            Behaviour behaviour = script.get().apply(calls.incrementAndGet());
            if (behaviour instanceof Fail fail) {
                observer.onError(fail.status().asRuntimeException());
            } else if (behaviour instanceof Answer) {
                observer.onNext(answer);
                observer.onCompleted();
            }
            // Stall: never answer; the caller's deadline must end the call.
        }
    }
}
