package io.fleetlink.agent.join;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of a joining agent: down, with the reason, until it has joined the fleet; up once it holds
 * its credential, and always up for an agent that does not join (or a process without an agent).
 */
@Readiness
@ApplicationScoped
public class JoinReadiness implements HealthCheck {

    private final AgentJoiner joiner;

    public JoinReadiness(AgentJoiner joiner) {
        this.joiner = joiner;
    }

    @Override
    public HealthCheckResponse call() {
        AgentJoiner.State state = joiner.state();
        var response = HealthCheckResponse.named("agent-join").withData("state", state.name());
        if (state == AgentJoiner.State.JOINING) {
            String error = joiner.lastError();
            return response.withData("error", error == null ? "joining" : error).down().build();
        }
        return response.up().build();
    }
}
