package io.fleetlink.agent.grpc;

import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.grpc.VertxServerBuilder;

/**
 * The gRPC server limits Quarkus has no configuration key for, set on the separate server's Netty
 * builder; the ones it has (message and metadata size, handshake timeout, keep-alive) are in
 * application.yaml. Together they keep one unauthenticated client from holding the agent's
 * descriptors or threads.
 */
@ApplicationScoped
public class GrpcServerLimits implements ServerBuilderCustomizer<VertxServerBuilder> {

    /** Calls one connection may have open at once; the controller runs at most 8 per host. */
    public static final int MAX_CONCURRENT_CALLS_PER_CONNECTION = 100;

    /** A connection with no call open for this long is closed (gracefully: GOAWAY); a client reconnects. */
    public static final long MAX_CONNECTION_IDLE_SECONDS = 300;

    @Override
    public void customize(GrpcServerConfiguration config, VertxServerBuilder server) {
        // Quarkus builds the separate gRPC server (use-separate-server=true) with a VertxServerBuilder.
        server.nettyBuilder()
                .maxConcurrentCallsPerConnection(MAX_CONCURRENT_CALLS_PER_CONNECTION)
                .maxConnectionIdle(MAX_CONNECTION_IDLE_SECONDS, TimeUnit.SECONDS);
    }
}
