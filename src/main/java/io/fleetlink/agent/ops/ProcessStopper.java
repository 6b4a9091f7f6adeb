package io.fleetlink.agent.ops;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.protocol.AgentException;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResult;

/** Placeholder until the agent operations land. */
@ApplicationScoped
public class ProcessStopper {

    public StopProcessResult stop(StopProcessRequest request) {
        throw new AgentException(501, "not implemented yet");
    }

    /**
     * Ends every process of {@code user} (SIGTERM, SIGKILL after {@code grace}) and returns their pids;
     * on a dry run only lists them. Used by the cleanup's process step. Blocking.
     */
    public List<Integer> killUserProcesses(UserAccount user, Duration grace, boolean dryRun) {
        throw new AgentException(501, "not implemented yet");
    }
}
