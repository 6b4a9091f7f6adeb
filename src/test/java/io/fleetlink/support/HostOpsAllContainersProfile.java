package io.fleetlink.support;

import java.util.Map;

/** {@link HostOpsProfile} with {@code docker-scope=all}: cleanup removes every non-exempt container. */
public class HostOpsAllContainersProfile extends HostOpsProfile {

    @Override
    protected Map<String, String> extraOverrides() {
        return Map.of("fleetlink.agent.cleanup.docker-scope", "all");
    }
}
