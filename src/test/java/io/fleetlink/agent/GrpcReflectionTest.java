package io.fleetlink.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.TestPorts;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * gRPC server reflection, as grpcurl uses it ({@code grpc.reflection.v1}): with the agent's token it
 * lists the agent service and describes its file; without one it is UNAUTHENTICATED like every rpc.
 * (On in tests through fleetlink.agent.grpc.reflection=true; the default is off.)
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class GrpcReflectionTest {

    @Test
    void listsAndDescribesTheServicesWithTheToken() throws Exception {
        try (AgentGrpc grpc = AgentGrpc.local()) {
            List<ServerReflectionResponse> listed = reflect(grpc, AgentGrpc.TOKEN,
                    ServerReflectionRequest.newBuilder().setListServices("").build());
            List<String> services = new ArrayList<>();
            listed.get(0).getListServicesResponse().getServiceList().forEach(s -> services.add(s.getName()));
            assertThat(services).contains("fleetlink.agent.v1.AgentService", "grpc.health.v1.Health");

            List<ServerReflectionResponse> file = reflect(grpc, AgentGrpc.TOKEN,
                    ServerReflectionRequest.newBuilder().setFileContainingSymbol("fleetlink.agent.v1.AgentService").build());
            assertThat(file.get(0).getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive();
        }
    }

    @Test
    void withoutTheTokenReflectionIsUnauthenticated() throws Exception {
        try (AgentGrpc grpc = AgentGrpc.local()) {
            for (String token : new String[] {null, "wrong-token-0123456789"}) {
                Throwable failure = null;
                try {
                    reflect(grpc, token, ServerReflectionRequest.newBuilder().setListServices("").build());
                } catch (java.util.concurrent.ExecutionException e) {
                    failure = e.getCause();
                }
                assertThat(failure).isInstanceOf(StatusRuntimeException.class);
                assertThat(((StatusRuntimeException) failure).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            }
        }
    }

    @Test
    void reflectionIsOffUnlessConfigured() {
        // The shipped default (application.yaml outside %dev/%test) is false; tests turn it on.
        assertThat(ConfigProvider.getConfig().getValue("fleetlink.agent.grpc.reflection", Boolean.class)).isTrue();
        assertThat(io.fleetlink.config.AgentConfig.GrpcSettings.class.getDeclaredMethods()[0]
                .getAnnotation(io.smallrye.config.WithDefault.class).value()).isEqualTo("false");
    }

    private static List<ServerReflectionResponse> reflect(AgentGrpc grpc, String token, ServerReflectionRequest request)
            throws Exception {
        ServerReflectionGrpc.ServerReflectionStub stub = ServerReflectionGrpc.newStub(grpc.channel());
        if (token != null) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        CompletableFuture<List<ServerReflectionResponse>> done = new CompletableFuture<>();
        List<ServerReflectionResponse> responses = new ArrayList<>();
        StreamObserver<ServerReflectionRequest> requests = stub.serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(responses);
            }
        });
        requests.onNext(request);
        requests.onCompleted();
        return done.get(30, TimeUnit.SECONDS);
    }
}
