package io.fleetlink.agent.ops;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.AgentIdentity;
import io.fleetlink.agent.os.Disks;
import io.fleetlink.agent.os.HostFacts;
import io.fleetlink.agent.os.NvidiaSmi;
import io.fleetlink.protocol.GetSystemInfoResponse;

/**
 * GetSystemInfo on the machine: gathers identity, processor, memory, disks and GPUs into one reply.
 * A machine without GPUs (or without a working driver) still answers; {@code gpu_error} says why the
 * list is empty. Blocking.
 */
@ApplicationScoped
public class SystemInfoCollector {

    private final AgentIdentity identity;
    private final HostFacts host;
    private final Disks disks;
    private final NvidiaSmi nvidiaSmi;

    public SystemInfoCollector(AgentIdentity identity, HostFacts host, Disks disks, NvidiaSmi nvidiaSmi) {
        this.identity = identity;
        this.host = host;
        this.disks = disks;
        this.nvidiaSmi = nvidiaSmi;
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
                            h == null ? null : h.pciBusId());
                })
                .toList();
    }

    public GetSystemInfoResponse collect() {
        NvidiaSmi.Report gpus = nvidiaSmi.query();
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
                    withHealthReadings(gpus),
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
