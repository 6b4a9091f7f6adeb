package io.fleetlink.agent.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.core.CurrentRequestManager;

import io.fleetlink.agent.handler.AgentRequestHandler;
import io.fleetlink.agent.handler.RequestMeta;
import io.fleetlink.agent.security.AgentApiGate;
import io.fleetlink.protocol.CheckGpuHealthResponse;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.fleetlink.protocol.GetSystemInfoResponse;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountDatasetResponse;
import io.fleetlink.protocol.PingResponse;
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.ResetSshResponse;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.StopProcessResponse;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountDatasetResponse;
import io.fleetlink.web.AgentApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.fleetlink.web.RequestIds;
import io.smallrye.mutiny.Uni;

/**
 * The agent's HTTP API: the seed's {@code /api/v1} table plus dataset unmount. Only translates
 * between HTTP and {@link AgentRequestHandler}; failures become envelopes in the exception mappers.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AgentResource implements AgentApi {

    private final AgentRequestHandler handler;

    public AgentResource(AgentRequestHandler handler) {
        this.handler = handler;
    }

    @GET
    @Path("/ping")
    public Uni<RestResponse<Envelope<PingResponse>>> ping() {
        return handler.ping()
                .map(Envelopes::ok);
    }

    @GET
    @Path("/system/info")
    public Uni<RestResponse<Envelope<GetSystemInfoResponse>>> systemInfo() {
        return handler.systemInfo()
                .map(Envelopes::ok);
    }

    @GET
    @Path("/gpu/health")
    public Uni<RestResponse<Envelope<CheckGpuHealthResponse>>> gpuHealth() {
        return handler.gpuHealth()
                .map(Envelopes::ok);
    }

    @POST
    @Path("/process/stop")
    public Uni<RestResponse<Envelope<StopProcessResponse>>> stopProcess(StopProcessRequest request,
            @RestHeader(RequestIds.HEADER) String requestId, @RestHeader(RequestMeta.EPOCH_HEADER) String epoch) {
        return handler.stopProcess(request, meta(requestId, epoch))
                .map(Envelopes::ok);
    }

    @POST
    @Path("/ssh/reset")
    public Uni<RestResponse<Envelope<ResetSshResponse>>> resetSsh(ResetSshRequest request,
            @RestHeader(RequestIds.HEADER) String requestId, @RestHeader(RequestMeta.EPOCH_HEADER) String epoch) {
        return handler.resetSsh(request, meta(requestId, epoch))
                .map(Envelopes::ok);
    }

    @POST
    @Path("/machine/cleanup")
    public Uni<RestResponse<Envelope<CleanupMachineResponse>>> cleanupMachine(CleanupMachineRequest request,
            @RestHeader(RequestIds.HEADER) String requestId, @RestHeader(RequestMeta.EPOCH_HEADER) String epoch) {
        return handler.cleanupMachine(request, meta(requestId, epoch))
                .map(result -> result.success()
                        ? Envelopes.ok(result)
                        : Envelopes.of(500, "cleanup failed: " + result.failedSteps(), result));
    }

    @POST
    @Path("/dataset/mount")
    public Uni<RestResponse<Envelope<MountDatasetResponse>>> mountDataset(MountDatasetRequest request,
            @RestHeader(RequestIds.HEADER) String requestId, @RestHeader(RequestMeta.EPOCH_HEADER) String epoch) {
        return handler.mountDataset(request, meta(requestId, epoch))
                .map(Envelopes::ok);
    }

    @POST
    @Path("/dataset/unmount")
    public Uni<RestResponse<Envelope<UnmountDatasetResponse>>> unmountDataset(UnmountDatasetRequest request,
            @RestHeader(RequestIds.HEADER) String requestId, @RestHeader(RequestMeta.EPOCH_HEADER) String epoch) {
        return handler.unmountDataset(request, meta(requestId, epoch))
                .map(Envelopes::ok);
    }

    @POST
    @Path("/command/exec")
    public Uni<RestResponse<Envelope<ExecuteCommandResponse>>> executeCommand(ExecuteCommandRequest request,
            @RestHeader(RequestIds.HEADER) String requestId, @RestHeader(RequestMeta.EPOCH_HEADER) String epoch) {
        return handler.executeCommand(request, meta(requestId, epoch))
                .map(Envelopes::ok);
    }

    /** Read while the resource method runs, on the request's own thread, where the gate left the credential. */
    private static RequestMeta meta(String requestId, String epoch) {
        Object credential = CurrentRequestManager.get().getContainerRequestContext()
                .getProperty(AgentApiGate.CREDENTIAL_PROPERTY);
        return RequestMeta.of(requestId, epoch, "http").withCredential(credential == null ? null : credential.toString());
    }
}
