package io.fleetlink.agent.grpc;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.DaemonThreads;
import io.fleetlink.agent.security.ReloadingServerTls;
import io.fleetlink.config.AgentConfig;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.grpc.VertxServerBuilder;

/**
 * TLS on the agent's gRPC port from {@code fleetlink.agent.tls.*}, reloaded every {@code reload-period}
 * like the HTTP port. Quarkus 3.33's separate gRPC server reads its certificate once
 * ({@code quarkus.grpc.server.ssl.*}; it has no {@code tls-configuration-name} and no reload), so the
 * agent gives its Netty builder an SSL context of its own whose key and trust managers
 * ({@link ReloadingServerTls}) are swapped when the files change. With {@code client-ca-file} a client
 * certificate from that CA is required (the gate then checks its name).
 */
@ApplicationScoped
public class GrpcServerTls implements ServerBuilderCustomizer<VertxServerBuilder> {

    private final AgentConfig config;
    private final Vertx vertx;
    private volatile ReloadingServerTls tls;
    private volatile ScheduledExecutorService reloader;

    public GrpcServerTls(AgentConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    @Override
    public void customize(GrpcServerConfiguration grpc, VertxServerBuilder server) {
        if (config.tls().certFile().isEmpty() || config.tls().keyFile().isEmpty()) {
            return;
        }
        ReloadingServerTls material = new ReloadingServerTls(vertx, config.tls().certFile().get(), config.tls().keyFile().get(),
                config.tls().clientCaFile());
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(material.keyManager());
            material.trustManager().ifPresent(trust -> builder.trustManager(trust).clientAuth(ClientAuth.REQUIRE));
            // The JDK provider asks the key manager on every handshake, so a reload takes effect at once.
            server.nettyBuilder().sslContext(GrpcSslContexts.configure(builder, SslProvider.JDK).build());
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("fleetlink.agent.tls: cannot set up TLS on the gRPC port: " + e.getMessage(), e);
        }
        this.tls = material;
        long period = Math.max(1, config.tls().reloadPeriod().toMillis());
        ScheduledExecutorService executor =
                Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fleetlink-grpc-tls-reload"));
        executor.scheduleWithFixedDelay(material::reload, period, period, TimeUnit.MILLISECONDS);
        this.reloader = executor;
        Log.infof("The agent's gRPC port serves TLS from %s%s, reloaded every %s", config.tls().certFile().get(),
                config.tls().clientCaFile().isPresent() ? " and requires a client certificate" : "", config.tls().reloadPeriod());
    }

    /** The material the gRPC port serves; empty without TLS. */
    public Optional<ReloadingServerTls> material() {
        return Optional.ofNullable(tls);
    }

    @PreDestroy
    void stop() {
        ScheduledExecutorService executor = reloader;
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
