package io.fleetlink.controller.allocation;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.controller.host.HandoverReport;
import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.smallrye.mutiny.Uni;

/** The controller API for allocations; translates HTTP to {@link AllocationService} and nothing more. */
@Path("/api/v1/allocations")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AllocationResource implements ControllerApi {

    private final AllocationService allocations;

    public AllocationResource(AllocationService allocations) {
        this.allocations = allocations;
    }

    @POST
    public Uni<RestResponse<Envelope<AllocationAccepted>>> allocate(AllocateRequest request) {
        return allocations.allocate(request)
                .map(accepted -> Envelopes.of(202, "accepted: poll GET /api/v1/allocations/" + accepted.allocationId(),
                        accepted));
    }

    @GET
    public Uni<RestResponse<Envelope<List<Allocation>>>> list(@QueryParam("host_id") String hostId,
            @QueryParam("status") String status) {
        return allocations.list(hostId, status)
                .map(Envelopes::ok);
    }

    @GET
    @Path("/{allocation_id}")
    public Uni<RestResponse<Envelope<Allocation>>> get(@PathParam("allocation_id") String allocationId) {
        return allocations.get(allocationId)
                .map(Envelopes::ok);
    }

    @GET
    @Path("/{allocation_id}/report")
    public Uni<RestResponse<Envelope<HandoverReport>>> report(@PathParam("allocation_id") String allocationId) {
        return allocations.report(allocationId)
                .map(Envelopes::ok);
    }

    @POST
    @Path("/{allocation_id}/release")
    public Uni<RestResponse<Envelope<AllocationAccepted>>> release(@PathParam("allocation_id") String allocationId) {
        return allocations.release(allocationId)
                .map(accepted -> Envelopes.of(202, "accepted: poll GET /api/v1/allocations/" + allocationId, accepted));
    }
}
