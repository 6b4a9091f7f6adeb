package io.fleetlink.controller.client;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.ResetSshRequest;
import io.fleetlink.protocol.StopProcessRequest;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.web.RequestIds;
import io.smallrye.mutiny.Uni;

/**
 * The agent's HTTP API as a REST client. Answers come back as raw responses so that
 * {@link HttpAgentClient} decides what an error status or a foreign body means, not a default mapper.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
interface AgentRestApi {

    @GET
    @Path("/ping")
    Uni<Response> ping(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization);

    @GET
    @Path("/system/info")
    Uni<Response> systemInfo(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization);

    @GET
    @Path("/gpu/health")
    Uni<Response> gpuHealth(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization);

    @POST
    @Path("/process/stop")
    Uni<Response> stopProcess(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId, @HeaderParam(EpochHeaders.HEADER) String epoch, StopProcessRequest request);

    @POST
    @Path("/ssh/reset")
    Uni<Response> resetSsh(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId, @HeaderParam(EpochHeaders.HEADER) String epoch, ResetSshRequest request);

    @POST
    @Path("/machine/cleanup")
    Uni<Response> cleanupMachine(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId, @HeaderParam(EpochHeaders.HEADER) String epoch, CleanupMachineRequest request);

    @POST
    @Path("/dataset/mount")
    Uni<Response> mountDataset(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId, @HeaderParam(EpochHeaders.HEADER) String epoch, MountDatasetRequest request);

    @POST
    @Path("/dataset/unmount")
    Uni<Response> unmountDataset(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId, @HeaderParam(EpochHeaders.HEADER) String epoch, UnmountDatasetRequest request);

    @POST
    @Path("/command/exec")
    Uni<Response> executeCommand(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId, @HeaderParam(EpochHeaders.HEADER) String epoch, ExecuteCommandRequest request);
}
