package io.fleetlink.controller.host;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.client.AgentCalls;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.CleanupMachineResponse;
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
        List<String> types = operation.payload().cleanupTypes();
        CleanupMachineRequest request = new CleanupMachineRequest(operation.payload().user(),
                types == null || types.isEmpty() ? CleanupMachineRequest.CONTROLLER_TYPES : types, false);
        return agents.cleanupMachine(operation.hostId(), request, operation.operationId())
                .map(MachineCleanup::failures)
                .onFailure().recoverWithItem(Throwable::getMessage)
                .invoke(error -> {
                    if (error != null) {
                        Log.errorf("%s failed: allocation %s, host %s, operation %s, attempt %d: %s; the host is QUARANTINED",
                                what, operation.payload().allocationId(), operation.hostId(), operation.operationId(),
                                operation.attempts(), error);
                    }
                });
    }

    private static String failures(CleanupMachineResponse result) {
        return result.success() ? null : "cleanup steps failed: " + result.failedSteps();
    }
}
