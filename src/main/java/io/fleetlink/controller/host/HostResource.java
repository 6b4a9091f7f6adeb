package io.fleetlink.controller.host;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.controller.client.AgentHealth;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.protocol.CheckGpuHealthResponse;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.fleetlink.protocol.GetSystemInfoResponse;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountDatasetResponse;
import io.fleetlink.protocol.UnmountDatasetResponse;
import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.fleetlink.web.RequestIds;
import io.smallrye.mutiny.Uni;

/** The controller API for hosts; translates HTTP to {@link HostService} and nothing more. */
@Path("/api/v1/hosts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class HostResource implements ControllerApi {

    private final HostService hosts;
    private final HostDrainService drains;

    public HostResource(HostService hosts, HostDrainService drains) {
        this.hosts = hosts;
        this.drains = drains;
    }

    @POST
    public Uni<RestResponse<Envelope<Host>>> register(RegisterHostRequest request) {
        return hosts.register(request)
                .map(host -> Envelopes.of(201, "created", host));
    }

    @GET
    public Uni<RestResponse<Envelope<List<Host>>>> list() {
        return hosts.list()
                .map(Envelopes::ok);
    }

    @GET
    @Path("/{host_id}")
    public Uni<RestResponse<Envelope<Host>>> get(@PathParam("host_id") String hostId) {
        return hosts.get(hostId)
                .map(Envelopes::ok);
    }

    @DELETE
    @Path("/{host_id}")
    public Uni<RestResponse<Envelope<Void>>> deregister(@PathParam("host_id") String hostId) {
        return hosts.deregister(hostId)
                .map(nothing -> Envelopes.response(200, "deregistered"));
    }

    @GET
    @Path("/{host_id}/health")
    public Uni<RestResponse<Envelope<AgentHealth>>> health(@PathParam("host_id") String hostId) {
        return hosts.health(hostId)
                .map(Envelopes::ok);
    }

    @GET
    @Path("/{host_id}/system-info")
    public Uni<RestResponse<Envelope<GetSystemInfoResponse>>> systemInfo(@PathParam("host_id") String hostId) {
        return hosts.systemInfo(hostId)
                .map(Envelopes::ok);
    }

    @GET
    @Path("/{host_id}/gpu-health")
    public Uni<RestResponse<Envelope<CheckGpuHealthResponse>>> gpuHealth(@PathParam("host_id") String hostId) {
        return hosts.gpuHealth(hostId)
                .map(Envelopes::ok);
    }

    @POST
    @Path("/{host_id}/exec")
    public Uni<RestResponse<Envelope<ExecuteCommandResponse>>> exec(@PathParam("host_id") String hostId, ExecuteCommandRequest request,
            @RestHeader(RequestIds.HEADER) String requestId) {
        return hosts.exec(hostId, request, requestId)
                .map(Envelopes::ok);
    }

    @POST
    @Path("/{host_id}/datasets")
    public Uni<RestResponse<Envelope<MountDatasetResponse>>> mount(@PathParam("host_id") String hostId,
            MountDatasetRequest request, @RestHeader(RequestIds.HEADER) String requestId) {
        return hosts.mount(hostId, request, requestId)
                .map(Envelopes::ok);
    }

    @DELETE
    @Path("/{host_id}/datasets/{dataset_id}")
    public Uni<RestResponse<Envelope<UnmountDatasetResponse>>> unmount(@PathParam("host_id") String hostId,
            @PathParam("dataset_id") String datasetId, @RestHeader(RequestIds.HEADER) String requestId) {
        return hosts.unmount(hostId, datasetId, requestId)
                .map(Envelopes::ok);
    }

    @POST
    @Path("/{host_id}/cleanup")
    public Uni<RestResponse<Envelope<Operation>>> cleanup(@PathParam("host_id") String hostId,
            CleanupHostRequest request) {
        return hosts.cleanup(hostId, request)
                .map(op -> Envelopes.of(202, "accepted: poll GET /api/v1/operations/" + op.operationId(), op));
    }

    @POST
    @Path("/{host_id}/drain")
    public Uni<RestResponse<Envelope<Host>>> drain(@PathParam("host_id") String hostId, DrainHostRequest request) {
        return drains.drain(hostId, request)
                .map(Envelopes::ok);
    }

    @POST
    @Path("/{host_id}/undrain")
    public Uni<RestResponse<Envelope<Host>>> undrain(@PathParam("host_id") String hostId, DrainHostRequest request) {
        return drains.undrain(hostId, request)
                .map(Envelopes::ok);
    }
}
