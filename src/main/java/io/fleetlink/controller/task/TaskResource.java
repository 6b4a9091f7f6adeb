package io.fleetlink.controller.task;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.protocol.AgentResponse;
import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelopes;
import io.smallrye.mutiny.Uni;

/** The controller API for tasks; translates HTTP to {@link TaskService} and nothing more. */
@Path("/api/v1/tasks")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TaskResource implements ControllerApi {

    private final TaskService tasks;

    public TaskResource(TaskService tasks) {
        this.tasks = tasks;
    }

    @POST
    public Uni<RestResponse<AgentResponse<Task>>> register(RegisterTaskRequest request) {
        return tasks.register(request)
                .map(task -> Envelopes.of(201, "created", task));
    }

    @GET
    @Path("/{task_id}")
    public Uni<RestResponse<AgentResponse<Task>>> get(@PathParam("task_id") String taskId) {
        return tasks.get(taskId)
                .map(Envelopes::ok);
    }

    @POST
    @Path("/{task_id}/stop")
    public Uni<RestResponse<AgentResponse<Task>>> stop(@PathParam("task_id") String taskId) {
        return tasks.stop(taskId);
    }
}
