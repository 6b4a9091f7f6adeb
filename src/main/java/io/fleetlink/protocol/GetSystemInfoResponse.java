package io.fleetlink.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
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

    /**
     * One GPU; the optional readings are null where nvidia-smi says {@code [N/A]} or {@code [Not Supported]}
     * (JSON: absent), never zero. The last nine are what the GPU health gate reads.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Gpu(
            int index,
            String uuid,
            String name,
            long memoryTotalMib,
            long memoryUsedMib,
            Double utilizationPercent,
            Double temperatureC,
            Double powerDrawW,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long eccUncorrectedVolatile,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long eccUncorrectedAggregate,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean remappedRowsPending,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean remappedRowsFailed,
            List<String> throttleReasonsActive,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean persistenceMode,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean migEnabled,
            @JsonInclude(JsonInclude.Include.NON_NULL) String pciBusId,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean retiredPagesPending) {

        /** A GPU with only the device readings (no health readings). */
        public Gpu(int index, String uuid, String name, long memoryTotalMib, long memoryUsedMib, Double utilizationPercent,
                Double temperatureC, Double powerDrawW) {
            this(index, uuid, name, memoryTotalMib, memoryUsedMib, utilizationPercent, temperatureC, powerDrawW,
                    null, null, null, null, List.of(), null, null, null, null);
        }
    }
}
