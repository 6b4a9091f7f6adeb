package io.fleetlink.controller.host;

import java.util.List;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.ops.AgentService;
import io.fleetlink.protocol.CleanupRequest;
import io.fleetlink.protocol.CleanupResult;
import io.smallrye.mutiny.Uni;

/**
 * The agent step shared by the release and host-cleanup pipelines: CleanupMachine for the
 * operation's user and types, with the operation id as request id so a resumed run is deduplicated.
 */
@ApplicationScoped
public class MachineCleanup {

    private final AgentService agents;

    public MachineCleanup(AgentService agents) {
        this.agents = agents;
    }

    /** Null when every step succeeded, else what failed; never a failed Uni. */
    public Uni<String> run(Operation operation) {
        List<String> types = operation.payload().cleanupTypes();
        CleanupRequest request = new CleanupRequest(operation.payload().user(),
                types == null || types.isEmpty() ? CleanupRequest.ALL_TYPES : types, false);
        return agents.cleanupMachine(operation.hostId(), request, operation.operationId())
                .map(MachineCleanup::failures)
                .onFailure().recoverWithItem(Throwable::getMessage);
    }

    private static String failures(CleanupResult result) {
        if (result.success()) {
            return null;
        }
        return "cleanup steps failed: " + result.steps().stream()
                .filter(step -> !step.success())
                .map(step -> step.type() + " (" + step.message() + ")")
                .collect(Collectors.joining(", "));
    }
}
