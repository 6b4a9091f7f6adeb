package io.fleetlink.controller.host;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.client.AgentRejectedException;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.CleanupStepType;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The agent step shared by the release and host-cleanup pipelines: CleanupMachine for the
 * operation's user and types, with the operation id as request id so a resumed run is deduplicated.
 */
@ApplicationScoped
public class MachineCleanup {

    private final AgentCalls agents;

    public MachineCleanup(AgentCalls agents) {
        this.agents = agents;
    }

    /**
     * Null when every step succeeded, else what failed, logged once with allocation, host, operation
     * and attempt; never a failed Uni.
     *
     * @param what the pipeline, for the log line ("Release", "Host cleanup")
     */
    public Uni<String> run(Operation operation, String what) {
        return verdict(operation, what)
                .map(CleanupVerdict::error);
    }

    /**
     * The verdict of CleanupMachine for the operation's user and types (see {@link #run}), with the
     * quarantine reason a failure gives the host; never a failed Uni.
     *
     * <p>An agent older than the GPU health gate refuses a request naming {@code gpu} with a 400 on that
     * entry of {@code types}; the cleanup is then asked again without {@code gpu} (under its own request
     * id), so a controller upgraded before its agents keeps releasing hosts, and says so in the log.
     */
    public Uni<CleanupVerdict> verdict(Operation operation, String what) {
        List<String> types = operation.payload().cleanupTypes();
        List<String> asked = types == null || types.isEmpty() ? CleanupMachineRequest.CONTROLLER_TYPES : types;
        CleanupMachineRequest request = new CleanupMachineRequest(operation.payload().user(), asked, false);
        return agents.cleanupMachine(operation.hostId(), request, operation.operationId())
                .onFailure(failure -> refusedGpuStep(failure, asked))
                .recoverWithUni(failure -> {
                    Log.warnf("Host %s: its agent does not know the gpu cleanup step (%s); cleaning without the GPU health "
                            + "gate. Upgrade the agent.", operation.hostId(), failure.getMessage());
                    List<String> withoutGpu = asked.stream().filter(type -> !GPU.equals(type)).toList();
                    return agents.cleanupMachine(operation.hostId(),
                            new CleanupMachineRequest(operation.payload().user(), withoutGpu, false),
                            operation.operationId() + NO_GPU_SUFFIX);
                })
                .map(CleanupVerdict::of)
                .onFailure().recoverWithItem(failure -> CleanupVerdict.agentFailed(failure.getMessage()))
                .invoke(verdict -> {
                    if (!verdict.isClean()) {
                        Log.errorf("%s failed: allocation %s, host %s, operation %s, attempt %d: %s; the host is QUARANTINED",
                                what, operation.payload().allocationId(), operation.hostId(), operation.operationId(),
                                operation.attempts(), verdict.error());
                    }
                });
    }

    private static final String GPU = CleanupStepType.GPU.wireName();
    /** Request id of the repeat without gpu; fits RequestIds.PATTERN after a UUID. */
    static final String NO_GPU_SUFFIX = ":no-gpu";

    /** A 400 from an agent that names the entry of {@code types} holding {@code gpu}: it predates the step. */
    static boolean refusedGpuStep(Throwable failure, List<String> types) {
        int index = types.indexOf(GPU);
        return index >= 0
                && failure instanceof AgentRejectedException rejected
                && rejected.code() == 400
                && rejected.agentMessage() != null
                && rejected.agentMessage().contains("types[" + index + "]");
    }
}
