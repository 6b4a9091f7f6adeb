package io.fleetlink.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How the controller reaches agents: the seed design's {@code agent:} block, keys kept as they were.
 */
@ConfigMapping(prefix = "agent")
public interface AgentLinkConfig {

    /** The wire protocol the controller speaks to agents. */
    enum Protocol {
        HTTP, GRPC;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Whether the controller talks to agents at all. When false every agent call fails at once with
     * a message naming this setting.
     */
    @WithDefault("true")
    boolean enabled();

    /** Protocol used for every agent call: {@code http} or {@code grpc}. */
    @WithDefault("http")
    Protocol protocol();

    /** The agents' HTTP port, used for a host registered without its own port. */
    @WithDefault("8081")
    @Min(1)
    @Max(65535)
    int httpPort();

    /** The agents' gRPC port, used for a host registered without its own port. */
    @WithDefault("50051")
    @Min(1)
    @Max(65535)
    int grpcPort();

    /**
     * Deadline of one agent call (each attempt). A duration such as {@code 30s} or {@code PT30S}; a bare
     * number means seconds, as in the seed. Overridable per operation with
     * {@code fleetlink.controller.timeouts.<operation>}.
     */
    @WithDefault("30s")
    @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
    Duration timeout();

    /** Connect to agents with TLS. */
    @WithDefault("false")
    boolean tlsEnabled();

    /**
     * PEM file with the CA (or the agent certificate itself) that agent certificates must chain to.
     * Required when {@code agent.tls-enabled} is true.
     */
    Optional<Path> tlsCertFile();

    /**
     * PEM certificate the controller presents to agents that require mutual TLS
     * ({@code fleetlink.agent.tls.client-ca-file}); it must be signed by the fleet CA and name one of the
     * agents' {@code fleetlink.agent.auth.controller-names}. Set with {@code tls-client-key-file}.
     */
    Optional<Path> tlsClientCertFile();

    /** PEM private key (PKCS#8, unencrypted) of {@code tls-client-cert-file}. */
    Optional<Path> tlsClientKeyFile();
}
