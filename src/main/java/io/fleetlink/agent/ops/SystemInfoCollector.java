package io.fleetlink.agent.ops;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.AgentIdentity;
import io.fleetlink.agent.os.Disks;
import io.fleetlink.agent.os.HostFacts;
import io.fleetlink.agent.os.NvidiaSmi;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.GetSystemInfoResponse;

/**
 * GetSystemInfo on the machine: gathers identity, processor, memory, disks and GPUs into one reply.
 * A machine without GPUs (or without a working driver) still answers; {@code gpu_error} says why the
 * list is empty. The GPU part comes from nvidia-smi at most once per {@code fleetlink.agent.gpu.info-cache},
 * one run shared by the calls that ask at the same moment ({@link SingleFlightCache}); each nvidia-smi run
 * has its deadline ({@code fleetlink.agent.gpu.timeout}). The GPU health gate does not come here: it
 * asks nvidia-smi itself, every time. Blocking.
 */
@ApplicationScoped
public class SystemInfoCollector {

    private final AgentIdentity identity;
    private final HostFacts host;
    private final Disks disks;
    private final NvidiaSmi nvidiaSmi;
    private final SingleFlightCache<GpuPart> gpuPart;

    /** The GPU part of the reply: the GPUs with their health readings, driver and CUDA version, or why none. */
    record GpuPart(List<GetSystemInfoResponse.Gpu> gpus, String driverVersion, String cudaVersion, String error) {
    }

    @Inject
    public SystemInfoCollector(AgentIdentity identity, HostFacts host, Disks disks, NvidiaSmi nvidiaSmi, AgentConfig config) {
        this(identity, host, disks, nvidiaSmi, config.gpu().infoCache(), System::nanoTime);
    }

    /** With a clock of its own, for tests that move time without waiting. */
    SystemInfoCollector(AgentIdentity identity, HostFacts host, Disks disks, NvidiaSmi nvidiaSmi, Duration infoCache,
            LongSupplier nanoClock) {
        this.identity = identity;
        this.host = host;
        this.disks = disks;
        this.nvidiaSmi = nvidiaSmi;
        this.gpuPart = new SingleFlightCache<>(this::readGpus, infoCache, nanoClock);
    }

    /** What nvidia-smi says now: the devices, then (when there are any) their health readings. */
    private GpuPart readGpus() {
        NvidiaSmi.Report report = nvidiaSmi.query();
        return new GpuPart(withHealthReadings(report), report.driverVersion(), report.cudaVersion(), report.error());
    }

    /** The GPU part, from the cache while it is fresh. */
    GpuPart gpus() {
        return gpuPart.get();
    }

    /** For tests: callers waiting for the nvidia-smi run in progress. */
    int waitingForGpus() {
        return gpuPart.waiting();
    }

    /**
     * The GPUs with what the health gate reads (ECC, remapped rows, throttling, persistence and MIG mode),
     * from two more probes, each with its deadline; asked only when the device query worked, and a GPU
     * a probe did not answer for keeps those readings absent.
     */
    private List<GetSystemInfoResponse.Gpu> withHealthReadings(NvidiaSmi.Report report) {
        if (report.gpus().isEmpty()) {
            return List.of();
        }
        NvidiaSmi.Answer<NvidiaSmi.HealthRow> health = nvidiaSmi.health();
        NvidiaSmi.Answer<NvidiaSmi.RemapRow> remaps = health.timedOut() ? NvidiaSmi.Answer.of(List.of()) : nvidiaSmi.remappedRows();
        Map<String, NvidiaSmi.HealthRow> healthByUuid = new HashMap<>();
        health.rows().forEach(row -> healthByUuid.put(row.uuid(), row));
        Map<String, NvidiaSmi.RemapRow> remapByUuid = new HashMap<>();
        remaps.rows().stream().filter(row -> row.uuid() != null).forEach(row -> remapByUuid.put(row.uuid(), row));
        return report.gpus().stream()
                .map(g -> {
                    NvidiaSmi.HealthRow h = healthByUuid.get(g.uuid());
                    NvidiaSmi.RemapRow r = remapByUuid.get(g.uuid());
                    return new GetSystemInfoResponse.Gpu(g.index(), g.uuid(), g.name(), g.memoryTotalMib(), g.memoryUsedMib(),
                            g.utilizationPercent(), g.temperatureC(), g.powerDrawW(),
                            h == null ? null : h.eccUncorrectedVolatile(), h == null ? null : h.eccUncorrectedAggregate(),
                            r == null ? null : r.pending(), r == null ? null : r.failure(),
                            h == null ? List.of() : h.activeThrottleReasons(),
                            h == null ? null : h.persistenceMode(), h == null ? null : h.migEnabled(),
                            h == null ? null : h.pciBusId(), h == null ? null : h.retiredPagesPending());
                })
                .toList();
    }

    public GetSystemInfoResponse collect() {
        GpuPart gpus = gpus();
        try {
            HostFacts.Cpu cpu = host.cpu();
            HostFacts.Memory memory = host.memory();
            return new GetSystemInfoResponse(
                    identity.hostId(),
                    identity.hostname(),
                    host.os(),
                    host.kernel(),
                    host.arch(),
                    new GetSystemInfoResponse.Cpu(cpu.model(), cpu.cores(), cpu.load1m(), cpu.load5m(), cpu.load15m()),
                    new GetSystemInfoResponse.Memory(memory.totalBytes(), memory.availableBytes()),
                    disks.list().stream()
                            .map(d -> new GetSystemInfoResponse.Disk(d.mountPoint(), d.fsType(), d.totalBytes(), d.freeBytes()))
                            .toList(),
                    gpus.gpus(),
                    gpus.driverVersion(),
                    gpus.cudaVersion(),
                    gpus.error(),
                    identity.version(),
                    Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        } catch (IllegalStateException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // /proc always has these files on Linux; failing to read them is an agent fault, not the caller's.
            throw AgentException.internal("cannot read the machine's facts: " + e.getMessage(), e);
        }
    }
}
