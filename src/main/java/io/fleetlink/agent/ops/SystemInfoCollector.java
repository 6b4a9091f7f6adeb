package io.fleetlink.agent.ops;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

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
                    gpus.gpus().stream()
                            .map(g -> new GetSystemInfoResponse.Gpu(g.index(), g.uuid(), g.name(), g.memoryTotalMib(), g.memoryUsedMib(),
                                    g.utilizationPercent(), g.temperatureC(), g.powerDrawW()))
                            .toList(),
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
