package io.fleetlink.protocol;

import java.util.List;

import io.fleetlink.proto.agent.v1.CleanupMachineRequest;
import io.fleetlink.proto.agent.v1.CleanupMachineResponse;
import io.fleetlink.proto.agent.v1.CleanupStep;
import io.fleetlink.proto.agent.v1.CpuInfo;
import io.fleetlink.proto.agent.v1.DiskInfo;
import io.fleetlink.proto.agent.v1.ExecuteCommandRequest;
import io.fleetlink.proto.agent.v1.ExecuteCommandResponse;
import io.fleetlink.proto.agent.v1.GetSystemInfoResponse;
import io.fleetlink.proto.agent.v1.GpuInfo;
import io.fleetlink.proto.agent.v1.MemoryInfo;
import io.fleetlink.proto.agent.v1.MountDatasetResponse;
import io.fleetlink.proto.agent.v1.PingResponse;
import io.fleetlink.proto.agent.v1.ResetSSHRequest;
import io.fleetlink.proto.agent.v1.ResetSSHResponse;
import io.fleetlink.proto.agent.v1.StopProcessResponse;
import io.fleetlink.proto.agent.v1.UnmountDatasetResponse;

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

    public static PingResponse toProto(PingInfo info) {
        return PingResponse.newBuilder()
                .setHostId(info.hostId())
                .setAgentVersion(info.agentVersion())
                .setUptimeSeconds(info.uptimeSeconds())
                .build();
    }

    public static PingInfo fromProto(PingResponse response) {
        return new PingInfo(response.getHostId(), response.getAgentVersion(), response.getUptimeSeconds());
    }

    // ---- GetSystemInfo

    public static GetSystemInfoResponse toProto(SystemInfo info) {
        GetSystemInfoResponse.Builder builder = GetSystemInfoResponse.newBuilder()
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
            SystemInfo.Cpu cpu = info.cpu();
            builder.setCpu(CpuInfo.newBuilder()
                    .setModel(nonNull(cpu.model()))
                    .setCores(cpu.cores())
                    .setLoad1M(cpu.load1m())
                    .setLoad5M(cpu.load5m())
                    .setLoad15M(cpu.load15m()));
        }
        if (info.memory() != null) {
            builder.setMemory(MemoryInfo.newBuilder()
                    .setTotalBytes(info.memory().totalBytes())
                    .setAvailableBytes(info.memory().availableBytes()));
        }
        for (SystemInfo.Disk disk : listOrEmpty(info.disks())) {
            builder.addDisks(DiskInfo.newBuilder()
                    .setMountPoint(disk.mountPoint())
                    .setFsType(disk.fsType())
                    .setTotalBytes(disk.totalBytes())
                    .setFreeBytes(disk.freeBytes()));
        }
        for (SystemInfo.Gpu gpu : listOrEmpty(info.gpus())) {
            GpuInfo.Builder g = GpuInfo.newBuilder()
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
            builder.addGpus(g);
        }
        return builder.build();
    }

    public static SystemInfo fromProto(GetSystemInfoResponse r) {
        CpuInfo cpu = r.getCpu();
        MemoryInfo memory = r.getMemory();
        return new SystemInfo(
                r.getHostId(),
                r.getHostname(),
                r.getOs(),
                r.getKernel(),
                r.getArch(),
                new SystemInfo.Cpu(cpu.getModel(), cpu.getCores(), cpu.getLoad1M(), cpu.getLoad5M(), cpu.getLoad15M()),
                new SystemInfo.Memory(memory.getTotalBytes(), memory.getAvailableBytes()),
                r.getDisksList().stream()
                        .map(d -> new SystemInfo.Disk(d.getMountPoint(), d.getFsType(), d.getTotalBytes(), d.getFreeBytes()))
                        .toList(),
                r.getGpusList().stream()
                        .map(g -> new SystemInfo.Gpu(g.getIndex(), g.getUuid(), g.getName(),
                                g.getMemoryTotalMib(), g.getMemoryUsedMib(),
                                g.hasUtilizationPercent() ? g.getUtilizationPercent() : null,
                                g.hasTemperatureC() ? g.getTemperatureC() : null,
                                g.hasPowerDrawW() ? g.getPowerDrawW() : null))
                        .toList(),
                emptyToNull(r.getGpuDriverVersion()),
                emptyToNull(r.getCudaVersion()),
                emptyToNull(r.getGpuError()),
                r.getAgentVersion(),
                r.getCollectedAt());
    }

    // ---- StopProcess

    public static io.fleetlink.proto.agent.v1.StopProcessRequest toProto(StopProcessRequest request) {
        var builder = io.fleetlink.proto.agent.v1.StopProcessRequest.newBuilder()
                .setTaskId(nonNull(request.taskId()))
                .setSignal(nonNull(request.signal()));
        if (request.gracePeriodSeconds() != null) {
            builder.setGracePeriodSeconds(request.gracePeriodSeconds());
        }
        return builder.build();
    }

    public static StopProcessRequest fromProto(io.fleetlink.proto.agent.v1.StopProcessRequest r) {
        return new StopProcessRequest(
                emptyToNull(r.getTaskId()),
                emptyToNull(r.getSignal()),
                r.hasGracePeriodSeconds() ? r.getGracePeriodSeconds() : null);
    }

    public static StopProcessResponse toProto(StopProcessResult result) {
        return StopProcessResponse.newBuilder()
                .setTaskId(result.taskId())
                .addAllKilledPids(result.killedPids())
                .setEscalatedToKill(result.escalatedToKill())
                .setAlreadyStopped(result.alreadyStopped())
                .build();
    }

    public static StopProcessResult fromProto(StopProcessResponse r) {
        return new StopProcessResult(r.getTaskId(), List.copyOf(r.getKilledPidsList()), r.getEscalatedToKill(), r.getAlreadyStopped());
    }

    // ---- ResetSSH

    public static ResetSSHRequest toProto(ResetSshRequest request) {
        var builder = ResetSSHRequest.newBuilder()
                .setUser(nonNull(request.user()))
                .addAllAuthorizedKeys(listOrEmpty(request.authorizedKeys()));
        if (request.terminateSessions() != null) {
            builder.setTerminateSessions(request.terminateSessions());
        }
        return builder.build();
    }

    public static ResetSshRequest fromProto(ResetSSHRequest r) {
        return new ResetSshRequest(
                emptyToNull(r.getUser()),
                List.copyOf(r.getAuthorizedKeysList()),
                r.hasTerminateSessions() ? r.getTerminateSessions() : null);
    }

    public static ResetSSHResponse toProto(ResetSshResult result) {
        return ResetSSHResponse.newBuilder()
                .setUser(result.user())
                .addAllFingerprints(result.fingerprints())
                .setSessionsTerminated(result.sessionsTerminated())
                .build();
    }

    public static ResetSshResult fromProto(ResetSSHResponse r) {
        return new ResetSshResult(r.getUser(), List.copyOf(r.getFingerprintsList()), r.getSessionsTerminated());
    }

    // ---- CleanupMachine

    public static CleanupMachineRequest toProto(CleanupRequest request) {
        return CleanupMachineRequest.newBuilder()
                .setUser(nonNull(request.user()))
                .addAllTypes(listOrEmpty(request.types()))
                .setDryRun(Boolean.TRUE.equals(request.dryRun()))
                .build();
    }

    public static CleanupRequest fromProto(CleanupMachineRequest r) {
        return new CleanupRequest(emptyToNull(r.getUser()), List.copyOf(r.getTypesList()), r.getDryRun());
    }

    public static CleanupMachineResponse toProto(CleanupResult result) {
        var builder = CleanupMachineResponse.newBuilder().setSuccess(result.success());
        for (CleanupResult.Step step : result.steps()) {
            builder.addSteps(CleanupStep.newBuilder()
                    .setType(step.type())
                    .setSuccess(step.success())
                    .setMessage(nonNull(step.message()))
                    .addAllRemoved(listOrEmpty(step.removed())));
        }
        return builder.build();
    }

    public static CleanupResult fromProto(CleanupMachineResponse r) {
        return new CleanupResult(r.getSuccess(), r.getStepsList().stream()
                .map(s -> new CleanupResult.Step(s.getType(), s.getSuccess(), s.getMessage(), List.copyOf(s.getRemovedList())))
                .toList());
    }

    // ---- MountDataset / UnmountDataset

    public static io.fleetlink.proto.agent.v1.MountDatasetRequest toProto(MountDatasetRequest request) {
        var builder = io.fleetlink.proto.agent.v1.MountDatasetRequest.newBuilder()
                .setDatasetId(nonNull(request.datasetId()))
                .setSource(nonNull(request.source()))
                .setFsType(nonNull(request.fsType()))
                .setOptions(nonNull(request.options()));
        if (request.readOnly() != null) {
            builder.setReadOnly(request.readOnly());
        }
        return builder.build();
    }

    public static MountDatasetRequest fromProto(io.fleetlink.proto.agent.v1.MountDatasetRequest r) {
        return new MountDatasetRequest(
                emptyToNull(r.getDatasetId()),
                emptyToNull(r.getSource()),
                emptyToNull(r.getFsType()),
                r.hasReadOnly() ? r.getReadOnly() : null,
                emptyToNull(r.getOptions()));
    }

    public static MountDatasetResponse toProto(MountResult result) {
        return MountDatasetResponse.newBuilder()
                .setDatasetId(result.datasetId())
                .setMountPoint(result.mountPoint())
                .setAlreadyMounted(result.alreadyMounted())
                .build();
    }

    public static MountResult fromProto(MountDatasetResponse r) {
        return new MountResult(r.getDatasetId(), r.getMountPoint(), r.getAlreadyMounted());
    }

    public static io.fleetlink.proto.agent.v1.UnmountDatasetRequest toProto(UnmountDatasetRequest request) {
        return io.fleetlink.proto.agent.v1.UnmountDatasetRequest.newBuilder()
                .setDatasetId(nonNull(request.datasetId()))
                .build();
    }

    public static UnmountDatasetRequest fromProto(io.fleetlink.proto.agent.v1.UnmountDatasetRequest r) {
        return new UnmountDatasetRequest(emptyToNull(r.getDatasetId()));
    }

    public static UnmountDatasetResponse toProto(UnmountResult result) {
        return UnmountDatasetResponse.newBuilder()
                .setDatasetId(result.datasetId())
                .setAlreadyUnmounted(result.alreadyUnmounted())
                .build();
    }

    public static UnmountResult fromProto(UnmountDatasetResponse r) {
        return new UnmountResult(r.getDatasetId(), r.getAlreadyUnmounted());
    }

    // ---- ExecuteCommand

    public static ExecuteCommandRequest toProto(ExecRequest request) {
        var builder = ExecuteCommandRequest.newBuilder()
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

    public static ExecRequest fromProto(ExecuteCommandRequest r) {
        return new ExecRequest(
                List.copyOf(r.getCommandList()),
                r.getEnvMap().isEmpty() ? null : java.util.Map.copyOf(r.getEnvMap()),
                emptyToNull(r.getWorkingDir()),
                r.hasTimeoutSeconds() ? r.getTimeoutSeconds() : null,
                emptyToNull(r.getUser()));
    }

    public static ExecuteCommandResponse toProto(ExecResult result) {
        return ExecuteCommandResponse.newBuilder()
                .setExitCode(result.exitCode())
                .setStdout(nonNull(result.stdout()))
                .setStderr(nonNull(result.stderr()))
                .setStdoutTruncated(result.stdoutTruncated())
                .setStderrTruncated(result.stderrTruncated())
                .setTimedOut(result.timedOut())
                .setDurationMs(result.durationMs())
                .build();
    }

    public static ExecResult fromProto(ExecuteCommandResponse r) {
        return new ExecResult(r.getExitCode(), r.getStdout(), r.getStderr(),
                r.getStdoutTruncated(), r.getStderrTruncated(), r.getTimedOut(), r.getDurationMs());
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
