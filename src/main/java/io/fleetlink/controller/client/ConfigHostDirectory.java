package io.fleetlink.controller.client;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.config.ControllerConfig;
import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;

/**
 * Hosts listed in configuration ({@code fleetlink.controller.hosts.<id>.address}); used only when no
 * other {@link HostDirectory} bean exists.
 */
@DefaultBean
@ApplicationScoped
public class ConfigHostDirectory implements HostDirectory {

    private final Map<String, ControllerConfig.StaticHost> hosts;
    private final AgentLinkConfig link;

    public ConfigHostDirectory(ControllerConfig config, AgentLinkConfig link) {
        this.hosts = config.hosts();
        this.link = link;
    }

    @Override
    public Uni<HostAddress> resolve(String hostId) {
        ControllerConfig.StaticHost host = hosts.get(hostId);
        if (host == null) {
            return Uni.createFrom().failure(new UnknownHostIdException(hostId));
        }
        return Uni.createFrom().item(new HostAddress(hostId, host.address(),
                host.httpPort().orElse(link.httpPort()), host.grpcPort().orElse(link.grpcPort())));
    }
}
