package io.fleetlink.controller.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.config.AgentLinkConfig;

/**
 * One {@link AgentClient} per host, of the protocol {@code agent.protocol} names, created on first
 * use and replaced when the host's address changes. Clients hold pooled connections, so they are
 * reused, and closed when their host goes away or the controller stops.
 */
@ApplicationScoped
public class AgentClients {

    private record Entry(HostAddress address, AgentClient client) {
    }

    private final AgentLinkConfig link;
    private final ControllerAgentToken token;
    private final ObjectMapper json;
    private final AgentTls tls;
    private final Map<String, Entry> clients = new ConcurrentHashMap<>();

    public AgentClients(AgentLinkConfig link, ControllerAgentToken token, ObjectMapper json, AgentTls tls) {
        this.link = link;
        this.token = token;
        this.json = json;
        this.tls = tls;
    }

    /** The client for {@code host}, created if needed. */
    public AgentClient forHost(HostAddress host) {
        Entry entry = clients.compute(host.hostId(), (id, existing) -> {
            if (existing != null && existing.address().equals(host)) {
                return existing;
            }
            if (existing != null) {
                existing.client().close();
            }
            return new Entry(host, create(host));
        });
        return entry.client();
    }

    /** Closes and forgets the client of a host that went away. */
    public void evict(String hostId) {
        Entry entry = clients.remove(hostId);
        if (entry != null) {
            entry.client().close();
        }
    }

    public AgentLinkConfig.Protocol protocol() {
        return link.protocol();
    }

    @PreDestroy
    void closeAll() {
        clients.values().forEach(entry -> entry.client().close());
        clients.clear();
    }

    private AgentClient create(HostAddress host) {
        return switch (link.protocol()) {
            case HTTP -> new HttpAgentClient(host, token.value(), json, tls.sslContext(), link.timeout());
            case GRPC -> new GrpcAgentClient(host, token.value(), tls.grpcSslContext());
        };
    }
}
