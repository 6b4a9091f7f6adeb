package io.fleetlink.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * CheckGpuHealth's reply: every health check of every GPU. {@code skipped} says why there was nothing
 * to check; {@code error} why the checks could not run.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CheckGpuHealthResponse(boolean healthy, List<Gpu> gpus, String skipped, String error) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Gpu(int index, String uuid, boolean healthy, List<Check> checks) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Check(String name, boolean ok, String message) {
    }
}
