package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.client.AgentRejectedException;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationCalls;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.controller.client.CallContext;
import io.fleetlink.protocol.CleanupStepType;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The agent step shared by the release and host-cleanup pipelines: CleanupMachine for the operation's
 * user and types, under the operation's epoch and with the operation id as request id (so a retried or
 * resumed run is deduplicated), within the pipeline retry budget, every attempt recorded.
 */
@ApplicationScoped
public class MachineCleanup {

    private final AgentCalls agents;
    private final OperationCalls calls;

    public MachineCleanup(AgentCalls agents, OperationCalls calls) {
        this.agents = agents;
        this.calls = calls;
    }

    /**
     * How the cleanup ended, never a failed Uni; a failure is logged once with allocation, host,
     * operation and run.
     *
     * @param what the pipeline, for the log line ("Release", "Host cleanup")
     */
    public Uni<CleanupOutcome> run(Operation operation, String what) {
        List<String> types = operation.payload().cleanupTypes();
        List<String> asked = types == null || types.isEmpty() ? CleanupMachineRequest.CONTROLLER_TYPES : types;
        CleanupMachineRequest request = new CleanupMachineRequest(operation.payload().user(), asked, false);
        CallContext context = calls.budgeted(operation);
        Instant started = Instant.now();
        return agents.cleanupMachine(operation.hostId(), request, context)
                .onFailure(failure -> refusedGpuStep(failure, asked))
                .recoverWithUni(failure -> {
                    Log.warnf("Host %s: its agent does not know the gpu cleanup step (%s); cleaning without the GPU health "
                            + "gate. Upgrade the agent.", operation.hostId(), failure.getMessage());
                    List<String> withoutGpu = asked.stream().filter(type -> !GPU.equals(type)).toList();
                    return agents.cleanupMachine(operation.hostId(),
                            new CleanupMachineRequest(operation.payload().user(), withoutGpu, false),
                            new CallContext(context.requestId() + NO_GPU_SUFFIX, context.epoch(), context.log(),
                                    context.retryFor()));
                })
                .map(response -> CleanupOutcome.answered(response, started))
                .onFailure().recoverWithItem(failure -> CleanupOutcome.failed(failure, started))
                .invoke(outcome -> {
                    if (!outcome.clean()) {
                        Log.errorf("%s failed: allocation %s, host %s, operation %s, run %d: %s; the host is QUARANTINED",
                                what, operation.payload().allocationId(), operation.hostId(), operation.operationId(),
                                operation.runs(), outcome.error());
                    }
                });
    }

    /*
     * An agent older than the GPU health gate refuses a request naming gpu with a 400 on that entry of
     * types; the cleanup is then asked again without gpu (under its own request id), so a controller
     * upgraded before its agents keeps releasing hosts, and says so in the log.
     */
    private static final String GPU = CleanupStepType.GPU.wireName();
    /** Request id of the repeat without gpu; fits RequestIds.PATTERN after an operation id. */
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
