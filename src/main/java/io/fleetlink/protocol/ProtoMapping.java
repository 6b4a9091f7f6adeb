package io.fleetlink.protocol;

import java.util.List;

import io.fleetlink.proto.agent.v1.AgentProto;

/**
 * Translation between the wire records (what HTTP carries as JSON) and the generated protobuf
 * messages, both ways, so agent and controller share one mapping and both transports carry the same
 * values. Proto3 has no null: an empty string or absent optional becomes null here, so validation
 * sees a missing field the same way on both transports.
 */
public final class ProtoMapping {

    private ProtoMapping() {
    }

    // ---- Ping

    public static AgentProto.PingResponse toProto(PingResponse info) {
        return AgentProto.PingResponse.newBuilder()
                .setHostId(info.hostId())
                .setAgentVersion(info.agentVersion())
                .setUptimeSeconds(info.uptimeSeconds())
                .setEpoch(info.epoch())
                .build();
    }

    public static PingResponse fromProto(AgentProto.PingResponse response) {
        return new PingResponse(response.getHostId(), response.getAgentVersion(), response.getUptimeSeconds(),
                response.getEpoch());
    }

    // ---- GetSystemInfo

    public static AgentProto.GetSystemInfoResponse toProto(GetSystemInfoResponse info) {
        AgentProto.GetSystemInfoResponse.Builder builder = AgentProto.GetSystemInfoResponse.newBuilder()
                .setHostId(nonNull(info.hostId()))
                .setHostname(nonNull(info.hostname()))
                .setOs(nonNull(info.os()))
                .setKernel(nonNull(info.kernel()))
                .setArch(nonNull(info.arch()))
                .setGpuDriverVersion(nonNull(info.gpuDriverVersion()))
                .setCudaVersion(nonNull(info.cudaVersion()))
                .setGpuError(nonNull(info.gpuError()))
                .setAgentVersion(nonNull(info.agentVersion()))
                .setCollectedAt(nonNull(info.collectedAt()));
        if (info.cpu() != null) {
            GetSystemInfoResponse.Cpu cpu = info.cpu();
            builder.setCpu(AgentProto.CpuInfo.newBuilder()
                    .setModel(nonNull(cpu.model()))
                    .setCores(cpu.cores())
                    .setLoad1M(cpu.load1m())
                    .setLoad5M(cpu.load5m())
                    .setLoad15M(cpu.load15m()));
        }
        if (info.memory() != null) {
            builder.setMemory(AgentProto.MemoryInfo.newBuilder()
                    .setTotalBytes(info.memory().totalBytes())
                    .setAvailableBytes(info.memory().availableBytes()));
        }
        for (GetSystemInfoResponse.Disk disk : listOrEmpty(info.disks())) {
            builder.addDisks(AgentProto.DiskInfo.newBuilder()
                    .setMountPoint(disk.mountPoint())
                    .setFsType(disk.fsType())
                    .setTotalBytes(disk.totalBytes())
                    .setFreeBytes(disk.freeBytes()));
        }
        for (GetSystemInfoResponse.Gpu gpu : listOrEmpty(info.gpus())) {
            AgentProto.GpuInfo.Builder g = AgentProto.GpuInfo.newBuilder()
                    .setIndex(gpu.index())
                    .setUuid(nonNull(gpu.uuid()))
                    .setName(nonNull(gpu.name()))
                    .setMemoryTotalMib(gpu.memoryTotalMib())
                    .setMemoryUsedMib(gpu.memoryUsedMib());
            if (gpu.utilizationPercent() != null) {
                g.setUtilizationPercent(gpu.utilizationPercent());
            }
            if (gpu.temperatureC() != null) {
                g.setTemperatureC(gpu.temperatureC());
            }
            if (gpu.powerDrawW() != null) {
                g.setPowerDrawW(gpu.powerDrawW());
            }
            if (gpu.eccUncorrectedVolatile() != null) {
                g.setEccUncorrectedVolatile(gpu.eccUncorrectedVolatile());
            }
            if (gpu.eccUncorrectedAggregate() != null) {
                g.setEccUncorrectedAggregate(gpu.eccUncorrectedAggregate());
            }
            if (gpu.remappedRowsPending() != null) {
                g.setRemappedRowsPending(gpu.remappedRowsPending());
            }
            if (gpu.remappedRowsFailed() != null) {
                g.setRemappedRowsFailed(gpu.remappedRowsFailed());
            }
            g.addAllThrottleReasonsActive(listOrEmpty(gpu.throttleReasonsActive()));
            if (gpu.persistenceMode() != null) {
                g.setPersistenceMode(gpu.persistenceMode());
            }
            if (gpu.migEnabled() != null) {
                g.setMigEnabled(gpu.migEnabled());
            }
            if (gpu.pciBusId() != null) {
                g.setPciBusId(gpu.pciBusId());
            }
            if (gpu.retiredPagesPending() != null) {
                g.setRetiredPagesPending(gpu.retiredPagesPending());
            }
            builder.addGpus(g);
        }
        return builder.build();
    }

    public static GetSystemInfoResponse fromProto(AgentProto.GetSystemInfoResponse r) {
        AgentProto.CpuInfo cpu = r.getCpu();
        AgentProto.MemoryInfo memory = r.getMemory();
        return new GetSystemInfoResponse(
                r.getHostId(),
                r.getHostname(),
                r.getOs(),
                r.getKernel(),
                r.getArch(),
                new GetSystemInfoResponse.Cpu(cpu.getModel(), cpu.getCores(), cpu.getLoad1M(), cpu.getLoad5M(), cpu.getLoad15M()),
                new GetSystemInfoResponse.Memory(memory.getTotalBytes(), memory.getAvailableBytes()),
                r.getDisksList().stream()
                        .map(d -> new GetSystemInfoResponse.Disk(d.getMountPoint(), d.getFsType(), d.getTotalBytes(), d.getFreeBytes()))
                        .toList(),
                r.getGpusList().stream()
                        .map(g -> new GetSystemInfoResponse.Gpu(g.getIndex(), g.getUuid(), g.getName(),
                                g.getMemoryTotalMib(), g.getMemoryUsedMib(),
                                g.hasUtilizationPercent() ? g.getUtilizationPercent() : null,
                                g.hasTemperatureC() ? g.getTemperatureC() : null,
                                g.hasPowerDrawW() ? g.getPowerDrawW() : null,
                                g.hasEccUncorrectedVolatile() ? g.getEccUncorrectedVolatile() : null,
                                g.hasEccUncorrectedAggregate() ? g.getEccUncorrectedAggregate() : null,
                                g.hasRemappedRowsPending() ? g.getRemappedRowsPending() : null,
                                g.hasRemappedRowsFailed() ? g.getRemappedRowsFailed() : null,
                                List.copyOf(g.getThrottleReasonsActiveList()),
                                g.hasPersistenceMode() ? g.getPersistenceMode() : null,
                                g.hasMigEnabled() ? g.getMigEnabled() : null,
                                g.hasPciBusId() ? g.getPciBusId() : null,
                                g.hasRetiredPagesPending() ? g.getRetiredPagesPending() : null))
                        .toList(),
                emptyToNull(r.getGpuDriverVersion()),
                emptyToNull(r.getCudaVersion()),
                emptyToNull(r.getGpuError()),
                r.getAgentVersion(),
                r.getCollectedAt());
    }

    // ---- StopProcess

    public static AgentProto.StopProcessRequest toProto(StopProcessRequest request) {
        var builder = AgentProto.StopProcessRequest.newBuilder()
                .setTaskId(nonNull(request.taskId()))
                .setSignal(nonNull(request.signal()));
        if (request.gracePeriodSeconds() != null) {
            builder.setGracePeriodSeconds(request.gracePeriodSeconds());
        }
        return builder.build();
    }

    public static StopProcessRequest fromProto(AgentProto.StopProcessRequest r) {
        return new StopProcessRequest(
                emptyToNull(r.getTaskId()),
                emptyToNull(r.getSignal()),
                r.hasGracePeriodSeconds() ? r.getGracePeriodSeconds() : null);
    }

    public static AgentProto.StopProcessResponse toProto(StopProcessResponse result) {
        return AgentProto.StopProcessResponse.newBuilder()
                .setTaskId(result.taskId())
                .addAllKilledPids(result.killedPids())
                .setEscalatedToKill(result.escalatedToKill())
                .setAlreadyStopped(result.alreadyStopped())
                .addAllFound(result.found().stream()
                        .map(found -> AgentProto.FoundProcess.newBuilder().setPid(found.pid()).setVia(found.via()).build())
                        .toList())
                .build();
    }

    public static StopProcessResponse fromProto(AgentProto.StopProcessResponse r) {
        return new StopProcessResponse(r.getTaskId(), List.copyOf(r.getKilledPidsList()), r.getEscalatedToKill(), r.getAlreadyStopped(),
                r.getFoundList().stream()
                        .map(found -> new StopProcessResponse.Found(found.getPid(), found.getVia()))
                        .toList());
    }

    // ---- ResetSSH

    public static AgentProto.ResetSSHRequest toProto(ResetSshRequest request) {
        var builder = AgentProto.ResetSSHRequest.newBuilder()
                .setUser(nonNull(request.user()))
                .addAllAuthorizedKeys(listOrEmpty(request.authorizedKeys()));
        if (request.terminateSessions() != null) {
            builder.setTerminateSessions(request.terminateSessions());
        }
        return builder.build();
    }

    public static ResetSshRequest fromProto(AgentProto.ResetSSHRequest r) {
        return new ResetSshRequest(
                emptyToNull(r.getUser()),
                List.copyOf(r.getAuthorizedKeysList()),
                r.hasTerminateSessions() ? r.getTerminateSessions() : null);
    }

    public static AgentProto.ResetSSHResponse toProto(ResetSshResponse result) {
        return AgentProto.ResetSSHResponse.newBuilder()
                .setUser(result.user())
                .addAllFingerprints(result.fingerprints())
                .setSessionsTerminated(result.sessionsTerminated())
                .build();
    }

    public static ResetSshResponse fromProto(AgentProto.ResetSSHResponse r) {
        return new ResetSshResponse(r.getUser(), List.copyOf(r.getFingerprintsList()), r.getSessionsTerminated());
    }

    // ---- CleanupMachine

    public static AgentProto.CleanupMachineRequest toProto(CleanupMachineRequest request) {
        return AgentProto.CleanupMachineRequest.newBuilder()
                .setUser(nonNull(request.user()))
                .addAllTypes(listOrEmpty(request.types()))
                .setDryRun(Boolean.TRUE.equals(request.dryRun()))
                .build();
    }

    public static CleanupMachineRequest fromProto(AgentProto.CleanupMachineRequest r) {
        return new CleanupMachineRequest(emptyToNull(r.getUser()), List.copyOf(r.getTypesList()), r.getDryRun());
    }

    public static AgentProto.CleanupMachineResponse toProto(CleanupMachineResponse result) {
        var builder = AgentProto.CleanupMachineResponse.newBuilder()
                .setSuccess(result.success())
                .setHostId(nonNull(result.hostId()))
                .setAgentVersion(nonNull(result.agentVersion()))
                .setEpoch(result.epoch())
                .setStartedAt(nonNull(result.startedAt()))
                .setFinishedAt(nonNull(result.finishedAt()));
        for (CleanupMachineResponse.Step step : result.steps()) {
            builder.addSteps(AgentProto.CleanupStep.newBuilder()
                    .setType(step.type())
                    .setSuccess(step.success())
                    .setMessage(nonNull(step.message()))
                    .addAllRemoved(listOrEmpty(step.removed()))
                    .setRemovedTotal(step.removedTotal())
                    .setBytesRemoved(step.bytesRemoved())
                    .setSessionsEnded(step.sessionsEnded())
                    .setDurationMs(step.durationMs()));
        }
        return builder.build();
    }

    public static CleanupMachineResponse fromProto(AgentProto.CleanupMachineResponse r) {
        return new CleanupMachineResponse(r.getSuccess(), r.getStepsList().stream()
                .map(s -> new CleanupMachineResponse.Step(s.getType(), s.getSuccess(), s.getMessage(),
                        List.copyOf(s.getRemovedList()), s.getRemovedTotal(), s.getBytesRemoved(),
                        s.getSessionsEnded(), s.getDurationMs()))
                .toList(),
                emptyToNull(r.getHostId()), emptyToNull(r.getAgentVersion()), r.getEpoch(),
                emptyToNull(r.getStartedAt()), emptyToNull(r.getFinishedAt()));
    }

    // ---- MountDataset / UnmountDataset

    public static AgentProto.MountDatasetRequest toProto(MountDatasetRequest request) {
        var builder = AgentProto.MountDatasetRequest.newBuilder()
                .setDatasetId(nonNull(request.datasetId()))
                .setSource(nonNull(request.source()))
                .setFsType(nonNull(request.fsType()))
                .setOptions(nonNull(request.options()));
        if (request.readOnly() != null) {
            builder.setReadOnly(request.readOnly());
        }
        return builder.build();
    }

    public static MountDatasetRequest fromProto(AgentProto.MountDatasetRequest r) {
        return new MountDatasetRequest(
                emptyToNull(r.getDatasetId()),
                emptyToNull(r.getSource()),
                emptyToNull(r.getFsType()),
                r.hasReadOnly() ? r.getReadOnly() : null,
                emptyToNull(r.getOptions()));
    }

    public static AgentProto.MountDatasetResponse toProto(MountDatasetResponse result) {
        return AgentProto.MountDatasetResponse.newBuilder()
                .setDatasetId(result.datasetId())
                .setMountPoint(result.mountPoint())
                .setAlreadyMounted(result.alreadyMounted())
                .build();
    }

    public static MountDatasetResponse fromProto(AgentProto.MountDatasetResponse r) {
        return new MountDatasetResponse(r.getDatasetId(), r.getMountPoint(), r.getAlreadyMounted());
    }

    public static AgentProto.UnmountDatasetRequest toProto(UnmountDatasetRequest request) {
        return AgentProto.UnmountDatasetRequest.newBuilder()
                .setDatasetId(nonNull(request.datasetId()))
                .build();
    }

    public static UnmountDatasetRequest fromProto(AgentProto.UnmountDatasetRequest r) {
        return new UnmountDatasetRequest(emptyToNull(r.getDatasetId()));
    }

    public static AgentProto.UnmountDatasetResponse toProto(UnmountDatasetResponse result) {
        return AgentProto.UnmountDatasetResponse.newBuilder()
                .setDatasetId(result.datasetId())
                .setAlreadyUnmounted(result.alreadyUnmounted())
                .build();
    }

    public static UnmountDatasetResponse fromProto(AgentProto.UnmountDatasetResponse r) {
        return new UnmountDatasetResponse(r.getDatasetId(), r.getAlreadyUnmounted());
    }

    // ---- ExecuteCommand

    public static AgentProto.ExecuteCommandRequest toProto(ExecuteCommandRequest request) {
        var builder = AgentProto.ExecuteCommandRequest.newBuilder()
                .addAllCommand(listOrEmpty(request.command()))
                .setWorkingDir(nonNull(request.workingDir()))
                .setUser(nonNull(request.user()));
        if (request.env() != null) {
            builder.putAllEnv(request.env());
        }
        if (request.timeoutSeconds() != null) {
            builder.setTimeoutSeconds(request.timeoutSeconds());
        }
        return builder.build();
    }

    public static ExecuteCommandRequest fromProto(AgentProto.ExecuteCommandRequest r) {
        return new ExecuteCommandRequest(
                List.copyOf(r.getCommandList()),
                r.getEnvMap().isEmpty() ? null : java.util.Map.copyOf(r.getEnvMap()),
                emptyToNull(r.getWorkingDir()),
                r.hasTimeoutSeconds() ? r.getTimeoutSeconds() : null,
                emptyToNull(r.getUser()));
    }

    public static AgentProto.ExecuteCommandResponse toProto(ExecuteCommandResponse result) {
        return AgentProto.ExecuteCommandResponse.newBuilder()
                .setExitCode(result.exitCode())
                .setStdout(nonNull(result.stdout()))
                .setStderr(nonNull(result.stderr()))
                .setStdoutTruncated(result.stdoutTruncated())
                .setStderrTruncated(result.stderrTruncated())
                .setTimedOut(result.timedOut())
                .setDurationMs(result.durationMs())
                .build();
    }

    public static ExecuteCommandResponse fromProto(AgentProto.ExecuteCommandResponse r) {
        return new ExecuteCommandResponse(r.getExitCode(), r.getStdout(), r.getStderr(),
                r.getStdoutTruncated(), r.getStderrTruncated(), r.getTimedOut(), r.getDurationMs());
    }

    // ---- CheckGpuHealth

    public static AgentProto.CheckGpuHealthResponse toProto(CheckGpuHealthResponse health) {
        AgentProto.CheckGpuHealthResponse.Builder builder = AgentProto.CheckGpuHealthResponse.newBuilder()
                .setHealthy(health.healthy())
                .setSkipped(nonNull(health.skipped()))
                .setError(nonNull(health.error()));
        for (CheckGpuHealthResponse.Gpu gpu : listOrEmpty(health.gpus())) {
            AgentProto.GpuHealthResult.Builder g = AgentProto.GpuHealthResult.newBuilder()
                    .setIndex(gpu.index())
                    .setUuid(nonNull(gpu.uuid()))
                    .setHealthy(gpu.healthy());
            for (CheckGpuHealthResponse.Check check : listOrEmpty(gpu.checks())) {
                g.addChecks(AgentProto.GpuCheck.newBuilder()
                        .setName(nonNull(check.name()))
                        .setOk(check.ok())
                        .setMessage(nonNull(check.message())));
            }
            builder.addGpus(g);
        }
        return builder.build();
    }

    public static CheckGpuHealthResponse fromProto(AgentProto.CheckGpuHealthResponse r) {
        return new CheckGpuHealthResponse(r.getHealthy(),
                r.getGpusList().stream()
                        .map(g -> new CheckGpuHealthResponse.Gpu(g.getIndex(), g.getUuid(), g.getHealthy(),
                                g.getChecksList().stream()
                                        .map(c -> new CheckGpuHealthResponse.Check(c.getName(), c.getOk(), c.getMessage()))
                                        .toList()))
                        .toList(),
                emptyToNull(r.getSkipped()), emptyToNull(r.getError()));
    }

    // ---- helpers

    private static String nonNull(String value) {
        return value == null ? "" : value;
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private static <T> List<T> listOrEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
