package io.fleetlink.controller.host;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationCalls;
import io.fleetlink.protocol.CleanupMachineRequest;
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
        CleanupMachineRequest request = new CleanupMachineRequest(operation.payload().user(),
                types == null || types.isEmpty() ? CleanupMachineRequest.CONTROLLER_TYPES : types, false);
        Instant started = Instant.now();
        return agents.cleanupMachine(operation.hostId(), request, calls.budgeted(operation))
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
}
