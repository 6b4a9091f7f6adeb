package io.fleetlink.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** GetSystemInfo's reply: hardware and OS facts of the agent's machine. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GetSystemInfoResponse(
        String hostId,
        String hostname,
        String os,
        String kernel,
        String arch,
        Cpu cpu,
        Memory memory,
        List<Disk> disks,
        List<Gpu> gpus,
        String gpuDriverVersion,
        String cudaVersion,
        String gpuError,
        String agentVersion,
        String collectedAt) {

    /** The load names are spelt out: SNAKE_CASE puts no underscore before a digit, the proto does ({@code load_1m}). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Cpu(String model, int cores,
            @JsonProperty("load_1m") double load1m,
            @JsonProperty("load_5m") double load5m,
            @JsonProperty("load_15m") double load15m) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Memory(long totalBytes, long availableBytes) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Disk(String mountPoint, String fsType, long totalBytes, long freeBytes) {
    }

    /** One GPU; the optional readings are null where nvidia-smi says {@code [N/A]}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Gpu(
            int index,
            String uuid,
            String name,
            long memoryTotalMib,
            long memoryUsedMib,
            Double utilizationPercent,
            Double temperatureC,
            Double powerDrawW) {
    }
}
