package io.fleetlink.controller.client;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.ResetSshResponse;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountDatasetResponse;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;

/**
 * {@link AgentClient} over the agent's HTTP API, with a REST client built for one host at run time.
 * Reads every answer as the envelope: success gives {@code data}, an error code becomes the typed
 * exception, and a body that is not the envelope is an {@link AgentProtocolException}.
 */
final class HttpAgentClient implements AgentClient {

    private static final int MAX_BODY_IN_MESSAGE = 200;
    private static final String POOLED_CONNECTION_TTL = "io.quarkus.rest.client.connection-ttl";
    private static final int POOLED_CONNECTION_TTL_SECONDS = 20;

    private final HostAddress host;
    private final String authorization;
    private final ObjectMapper json;
    private final boolean tls;
    private final AgentRestApi api;

    HttpAgentClient(HostAddress host, String token, ObjectMapper json, Optional<KeyStore> tls,
            java.time.Duration connectTimeout) {
        this(host, token, json, tls, Optional.empty(), connectTimeout);
    }

    /**
     * With {@code tls} from {@link AgentTls#httpTls}: the fleet CA, the controller's certificate, and the
     * check that the agent's certificate names this host's id or address.
     */
    static HttpAgentClient withTls(HostAddress host, String token, ObjectMapper json, Optional<io.quarkus.tls.TlsConfiguration> tls,
            java.time.Duration connectTimeout) {
        return new HttpAgentClient(host, token, json, Optional.empty(), Optional.empty(), connectTimeout, tls);
    }

    /** With {@code clientKey}: the controller's certificate for agents that require mutual TLS. */
    HttpAgentClient(HostAddress host, String token, ObjectMapper json, Optional<KeyStore> tls, Optional<KeyStore> clientKey,
            java.time.Duration connectTimeout) {
        this(host, token, json, tls, clientKey, connectTimeout, Optional.empty());
    }

    private HttpAgentClient(HostAddress host, String token, ObjectMapper json, Optional<KeyStore> tls, Optional<KeyStore> clientKey,
            java.time.Duration connectTimeout, Optional<io.quarkus.tls.TlsConfiguration> tlsConfiguration) {
        this.host = host;
        this.authorization = "Bearer " + token;
        this.json = json;
        this.tls = tls.isPresent() || tlsConfiguration.isPresent();
        QuarkusRestClientBuilder builder = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create((this.tls ? "https://" : "http://") + hostLiteral(host.address()) + ":" + host.httpPort()))
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .disableDefaultMapper(true)
                .followRedirects(false)
                // Pooled connections are dropped after 20 s idle, below the agent's 30 s
                // quarkus.http.idle-timeout, so a request never goes out on one the agent is closing.
                .property(POOLED_CONNECTION_TTL, POOLED_CONNECTION_TTL_SECONDS);
        tls.ifPresent(builder::trustStore);
        clientKey.ifPresent(keys -> builder.keyStore(keys, new String(AgentTls.KEY_PASSWORD)));
        tlsConfiguration.ifPresent(builder::tlsConfiguration);
        this.api = builder.build(AgentRestApi.class);
    }

    @Override
    public Uni<PingResponse> ping(CallOptions options) {
        return exchange(AgentRpc.PING, options, PingResponse.class, id -> api.ping(authorization));
    }

    @Override
    public Uni<GetSystemInfoResponse> getSystemInfo(CallOptions options) {
        return exchange(AgentRpc.SYSTEM_INFO, options, GetSystemInfoResponse.class, id -> api.systemInfo(authorization));
    }

    @Override
    public Uni<CheckGpuHealthResponse> checkGpuHealth(CallOptions options) {
        return exchange(AgentRpc.GPU_HEALTH, options, CheckGpuHealthResponse.class, id -> api.gpuHealth(authorization));
    }

    @Override
    public Uni<StopProcessResponse> stopProcess(StopProcessRequest request, CallOptions options) {
        return exchange(AgentRpc.PROCESS_STOP, options, StopProcessResponse.class,
                id -> api.stopProcess(authorization, id, epoch(options), request));
    }

    @Override
    public Uni<ResetSshResponse> resetSsh(ResetSshRequest request, CallOptions options) {
        return exchange(AgentRpc.SSH_RESET, options, ResetSshResponse.class,
                id -> api.resetSsh(authorization, id, epoch(options), request));
    }

    @Override
    public Uni<CleanupMachineResponse> cleanupMachine(CleanupMachineRequest request, CallOptions options) {
        return exchange(AgentRpc.MACHINE_CLEANUP, options, CleanupMachineResponse.class,
                id -> api.cleanupMachine(authorization, id, epoch(options), request));
    }

    @Override
    public Uni<MountDatasetResponse> mountDataset(MountDatasetRequest request, CallOptions options) {
        return exchange(AgentRpc.DATASET_MOUNT, options, MountDatasetResponse.class,
                id -> api.mountDataset(authorization, id, epoch(options), request));
    }

    @Override
    public Uni<UnmountDatasetResponse> unmountDataset(UnmountDatasetRequest request, CallOptions options) {
        return exchange(AgentRpc.DATASET_UNMOUNT, options, UnmountDatasetResponse.class,
                id -> api.unmountDataset(authorization, id, epoch(options), request));
    }

    @Override
    public Uni<ExecuteCommandResponse> executeCommand(ExecuteCommandRequest request, CallOptions options) {
        return exchange(AgentRpc.COMMAND_EXEC, options, ExecuteCommandResponse.class,
                id -> api.executeCommand(authorization, id, epoch(options), request));
    }

    @Override
    public void close() {
        if (api instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // Closing a client that failed to open has nothing left to release.
            }
        }
    }

    private static String epoch(CallOptions options) {
        return options.epoch().isPresent() ? Long.toString(options.epoch().getAsLong()) : null;
    }

    private <T> Uni<T> exchange(AgentRpc operation, CallOptions options, Class<T> type,
            Function<String, Uni<Response>> call) {
        return Uni.createFrom().deferred(() -> call.apply(options.requestId().orElse(null)))
                .ifNoItem().after(options.timeout()).failWith(() -> new AgentTimeoutException(host.hostId(), operation,
                        "no answer within " + options.timeout().toMillis() + " ms", null))
                .onFailure().transform(failure -> TransportFailures.classify(host.hostId(), operation, failure, tls))
                .map(response -> decode(operation, response, type));
    }

    private <T> T decode(AgentRpc operation, Response response, Class<T> type) {
        int status = response.getStatus();
        byte[] body = response.hasEntity() ? response.readEntity(byte[].class) : new byte[0];
        JsonNode envelope = parseEnvelope(operation, status, body);
        boolean success = envelope.get("success").asBoolean();
        int code = envelope.get("code").asInt();
        String message = envelope.path("message").asText("");
        JsonNode data = envelope.get("data");
        if (success && status < 300) {
            return readData(operation, data, type);
        }
        if (code == 401 || status == 401) {
            throw new AgentUnauthorizedException(host.hostId(), operation, message);
        }
        AgentFencedException fenced = AgentFencedException.parse(host.hostId(), operation, code, message);
        if (fenced != null) {
            throw fenced;
        }
        if (code == 504 || status == 504) {
            // The agent's own deadline: the work may still be running there. Same type as gRPC's
            // DEADLINE_EXCEEDED; a retry with the same request id gets the first run's result.
            throw new AgentTimeoutException(host.hostId(), operation, "the agent answered 504: " + message
                    + " (still running there; a retry with the same request id gets its result)", null);
        }
        if (type == CleanupMachineResponse.class && data != null && data.isObject()) {
            // A cleanup with failed steps is a result the caller must see step by step.
            return readData(operation, data, type);
        }
        throw new AgentRejectedException(host.hostId(), operation, code, message);
    }

    private JsonNode parseEnvelope(AgentRpc operation, int status, byte[] body) {
        JsonNode envelope;
        try {
            envelope = json.readTree(body);
        } catch (IOException e) {
            envelope = null;
        }
        if (envelope == null || !envelope.isObject() || !envelope.path("success").isBoolean() || !envelope.path("code").isInt()) {
            throw new AgentProtocolException(host.hostId(), operation, "HTTP " + status
                    + " with a body that is not the Fleetlink envelope: " + excerpt(body)
                    + " (is " + host.address() + ":" + host.httpPort() + " a Fleetlink agent?)", null);
        }
        return envelope;
    }

    private <T> T readData(AgentRpc operation, JsonNode data, Class<T> type) {
        try {
            T value = json.treeToValue(data, type);
            if (value == null) {
                throw new AgentProtocolException(host.hostId(), operation, "the envelope carries no data", null);
            }
            return value;
        } catch (IOException e) {
            throw new AgentProtocolException(host.hostId(), operation,
                    "the envelope's data is not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static String excerpt(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, MAX_BODY_IN_MESSAGE), StandardCharsets.UTF_8)
                .replaceAll("\\s+", " ");
        return body.length == 0 ? "(empty)" : "'" + text + (body.length > MAX_BODY_IN_MESSAGE ? "...'" : "'");
    }

    private static String hostLiteral(String address) {
        return address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address;
    }
}
