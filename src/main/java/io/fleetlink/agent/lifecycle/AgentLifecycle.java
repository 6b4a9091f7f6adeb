package io.fleetlink.agent.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentIdentity;
import io.fleetlink.agent.handler.AgentRequestHandler;
import io.fleetlink.agent.join.AgentJoiner;
import io.fleetlink.agent.ops.GpuScrubber;
import io.fleetlink.agent.os.Users;
import io.fleetlink.agent.security.AgentCredentials;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.config.Role;
import io.fleetlink.lifecycle.RoleLifecycle;
import io.quarkus.logging.Log;

/**
 * Starts the agent role: checks the tenant settings and settles its credentials, so an agent with a
 * wrong tenant range, without a token or with an unreadable state directory fails at start-up instead of on
 * its first request. The agent
 * runs no background job.
 */
@ApplicationScoped
public class AgentLifecycle implements RoleLifecycle {

    private final AgentConfig config;
    private final AgentCredentials credentials;
    private final AgentIdentity identity;
    private final AgentRequestHandler handler;
    private final GpuScrubber gpus;
    private final AgentJoiner joiner;

    public AgentLifecycle(AgentConfig config, AgentCredentials credentials, AgentIdentity identity,
            AgentRequestHandler handler, GpuScrubber gpus, AgentJoiner joiner) {
        this.config = config;
        this.credentials = credentials;
        this.identity = identity;
        this.handler = handler;
        this.gpus = gpus;
        this.joiner = joiner;
    }

    @Override
    public Role role() {
        return Role.AGENT;
    }

    @Override
    public void start() {
        Users.checkTenantSettings(config);
        credentials.accepts(null); // settles the token now: an agent without one fails start-up
        // Reads the state directory now: a corrupt epoch or journal stops start-up, never reads as 0.
        long epoch = handler.openState();
        Log.infof("Agent %s (version %s) started at fencing epoch %d (state in %s)", identity.hostId(), identity.version(),
                epoch, config.stateDir());
        // The GPU gate's first inventory and baseline, so even the first allocation is checked against them.
        gpus.recordBaselineInBackground();
        // With fleetlink.agent.join.*: join the fleet once the HTTP server is up (in the background).
        joiner.start();
    }

    @Override
    public void stop() {
        joiner.stop();
    }
}
