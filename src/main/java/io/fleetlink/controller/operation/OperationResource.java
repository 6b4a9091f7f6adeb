package io.fleetlink.controller.operation;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.smallrye.mutiny.Uni;

/** The controller API for operations; translates HTTP to {@link OperationService} and nothing more. */
@Path("/api/v1/operations")
@Produces(MediaType.APPLICATION_JSON)
public class OperationResource implements ControllerApi {

    private final OperationService operations;

    public OperationResource(OperationService operations) {
        this.operations = operations;
    }

    @GET
    public Uni<RestResponse<Envelope<List<Operation>>>> list(@QueryParam("target") String target) {
        return operations.list(target)
                .map(Envelopes::ok);
    }

    @GET
    @Path("/{operation_id}")
    public Uni<RestResponse<Envelope<Operation>>> get(@PathParam("operation_id") String operationId) {
        return operations.get(operationId)
                .map(Envelopes::ok);
    }

    @POST
    @Path("/{operation_id}/cancel")
    public Uni<RestResponse<Envelope<Operation>>> cancel(@PathParam("operation_id") String operationId) {
        return operations.cancel(operationId)
                .map(Envelopes::ok);
    }
}
