package io.fleetlink.controller.ops;

import java.time.Duration;
import java.util.UUID;
import java.util.function.BiFunction;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.controller.client.AgentClient;
import io.fleetlink.controller.client.AgentClients;
import io.fleetlink.controller.client.CallOptions;
import io.fleetlink.controller.client.HostDirectory;
import io.fleetlink.protocol.CleanupRequest;
import io.fleetlink.protocol.CleanupResult;
import io.fleetlink.protocol.ExecRequest;
import io.fleetlink.protocol.ExecResult;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountResult;
import io.fleetlink.protocol.PingInfo;
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.ResetSshResult;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResult;
import io.fleetlink.protocol.SystemInfo;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountResult;
import io.smallrye.mutiny.Uni;

/**
 * The facade the rest of the controller uses to ask agents for work (the seed's
 * {@code agent_service.go}): one method per operation, taking a host id. Mutations take a request
 * id that the agent deduplicates; pass the same id when repeating the same request (a pipeline
 * resuming after a restart), or null to get a fresh one.
 */
@ApplicationScoped
public class AgentService {

    private final HostDirectory hosts;
    private final AgentClients clients;
    private final AgentLinkConfig link;

    public AgentService(HostDirectory hosts, AgentClients clients, AgentLinkConfig link) {
        this.hosts = hosts;
        this.clients = clients;
        this.link = link;
    }

    public Uni<PingInfo> ping(String hostId) {
        return call(hostId, null, (client, options) -> client.ping(options));
    }

    public Uni<SystemInfo> getSystemInfo(String hostId) {
        return call(hostId, null, (client, options) -> client.getSystemInfo(options));
    }

    public Uni<StopProcessResult> stopProcess(String hostId, StopProcessRequest request, String requestId) {
        return call(hostId, requestId(requestId), (client, options) -> client.stopProcess(request, options));
    }

    public Uni<ResetSshResult> resetSsh(String hostId, ResetSshRequest request, String requestId) {
        return call(hostId, requestId(requestId), (client, options) -> client.resetSsh(request, options));
    }

    public Uni<CleanupResult> cleanupMachine(String hostId, CleanupRequest request, String requestId) {
        return call(hostId, requestId(requestId), (client, options) -> client.cleanupMachine(request, options));
    }

    public Uni<MountResult> mountDataset(String hostId, MountDatasetRequest request, String requestId) {
        return call(hostId, requestId(requestId), (client, options) -> client.mountDataset(request, options));
    }

    public Uni<UnmountResult> unmountDataset(String hostId, UnmountDatasetRequest request, String requestId) {
        return call(hostId, requestId(requestId), (client, options) -> client.unmountDataset(request, options));
    }

    public Uni<ExecResult> executeCommand(String hostId, ExecRequest request, String requestId) {
        return call(hostId, requestId(requestId), (client, options) -> client.executeCommand(request, options));
    }

    /** Pings the host now; never fails: an unreachable agent is a result, not an error. */
    public Uni<AgentHealth> checkAgentHealth(String hostId) {
        long started = System.nanoTime();
        return ping(hostId)
                .map(info -> AgentHealth.up(hostId, Duration.ofNanos(System.nanoTime() - started)))
                .onFailure().recoverWithItem(e -> AgentHealth.down(hostId, Duration.ofNanos(System.nanoTime() - started), e.getMessage()));
    }

    /** Forgets the client of a host that was deregistered or moved. */
    public void forget(String hostId) {
        clients.evict(hostId);
    }

    private <T> Uni<T> call(String hostId, String requestId, BiFunction<AgentClient, CallOptions, Uni<T>> operation) {
        return hosts.resolve(hostId)
                .chain(address -> operation.apply(clients.forHost(address), CallOptions.of(link.timeout(), requestId)));
    }

    private static String requestId(String requestId) {
        return requestId != null ? requestId : UUID.randomUUID().toString();
    }
}
