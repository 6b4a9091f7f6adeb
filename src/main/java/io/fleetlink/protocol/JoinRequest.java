package io.fleetlink.protocol;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code POST /api/v1/join}: an agent registering itself with a join token (the bearer credential of
 * that one call). Where it listens, its labels and the GPUs it has; null ports mean the controller's
 * {@code agent.http-port} / {@code grpc-port}.
 */
@RegisterForReflection
public record JoinRequest(
        String hostId,
        String address,
        Integer httpPort,
        Integer grpcPort,
        Map<String, String> labels,
        List<Gpu> gpus,
        String agentVersion) {

    /** One GPU as the agent's {@code nvidia-smi} saw it when joining. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Gpu(int index, String uuid, String name, long memoryTotalMib) {
    }
}
