package io.fleetlink.agent.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.agent.AgentOperations;
import io.fleetlink.agent.RequestMeta;
import io.fleetlink.protocol.AgentResponse;
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
import io.fleetlink.web.AgentApi;
import io.fleetlink.web.Envelopes;
import io.smallrye.mutiny.Uni;

/**
 * The agent's HTTP API: the seed's {@code /api/v1} table plus dataset unmount. Only translates
 * between HTTP and {@link AgentOperations}; failures become envelopes in the exception mappers.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AgentResource implements AgentApi {

    private static final String REQUEST_ID = "X-Request-Id";

    private final AgentOperations operations;

    public AgentResource(AgentOperations operations) {
        this.operations = operations;
    }

    @GET
    @Path("/ping")
    public Uni<RestResponse<AgentResponse<PingInfo>>> ping() {
        return operations.ping()
                .map(Envelopes::ok);
    }

    @GET
    @Path("/system/info")
    public Uni<RestResponse<AgentResponse<SystemInfo>>> systemInfo() {
        return operations.systemInfo()
                .map(Envelopes::ok);
    }

    @POST
    @Path("/process/stop")
    public Uni<RestResponse<AgentResponse<StopProcessResult>>> stopProcess(StopProcessRequest request,
            @RestHeader(REQUEST_ID) String requestId) {
        return operations.stopProcess(request, meta(requestId))
                .map(Envelopes::ok);
    }

    @POST
    @Path("/ssh/reset")
    public Uni<RestResponse<AgentResponse<ResetSshResult>>> resetSsh(ResetSshRequest request,
            @RestHeader(REQUEST_ID) String requestId) {
        return operations.resetSsh(request, meta(requestId))
                .map(Envelopes::ok);
    }

    @POST
    @Path("/machine/cleanup")
    public Uni<RestResponse<AgentResponse<CleanupResult>>> cleanupMachine(CleanupRequest request,
            @RestHeader(REQUEST_ID) String requestId) {
        return operations.cleanupMachine(request, meta(requestId))
                .map(result -> result.success()
                        ? Envelopes.ok(result)
                        : Envelopes.of(500, "cleanup failed: " + result.failedSteps(), result));
    }

    @POST
    @Path("/dataset/mount")
    public Uni<RestResponse<AgentResponse<MountResult>>> mountDataset(MountDatasetRequest request,
            @RestHeader(REQUEST_ID) String requestId) {
        return operations.mountDataset(request, meta(requestId))
                .map(Envelopes::ok);
    }

    @POST
    @Path("/dataset/unmount")
    public Uni<RestResponse<AgentResponse<UnmountResult>>> unmountDataset(UnmountDatasetRequest request,
            @RestHeader(REQUEST_ID) String requestId) {
        return operations.unmountDataset(request, meta(requestId))
                .map(Envelopes::ok);
    }

    @POST
    @Path("/command/exec")
    public Uni<RestResponse<AgentResponse<ExecResult>>> executeCommand(ExecRequest request,
            @RestHeader(REQUEST_ID) String requestId) {
        return operations.executeCommand(request, meta(requestId))
                .map(Envelopes::ok);
    }

    private static RequestMeta meta(String requestId) {
        return RequestMeta.of(requestId, "http");
    }
}
