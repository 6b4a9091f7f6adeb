package io.fleetlink.controller.task;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestResponse;

import io.fleetlink.controller.api.ControllerExceptionMappers;
import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
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
    public Uni<RestResponse<Envelope<Task>>> register(RegisterTaskRequest request) {
        return tasks.register(request)
                .map(task -> Envelopes.of(201, "created", task));
    }

    @GET
    @Path("/{task_id}")
    public Uni<RestResponse<Envelope<Task>>> get(@PathParam("task_id") String taskId) {
        return tasks.get(taskId)
                .map(Envelopes::ok);
    }

    @POST
    @Path("/{task_id}/stop")
    public Uni<RestResponse<Envelope<Task>>> stop(@PathParam("task_id") String taskId) {
        return tasks.stop(taskId)
                .map(TaskResource::respond);
    }

    /** 200 when stopped; 502 or 504 (from the agent's failure) while retried; 503 when the outcome is not yet recorded. */
    private static RestResponse<Envelope<Task>> respond(TaskStop stop) {
        Task task = stop.task();
        if (stop.stopped()) {
            return Envelopes.ok(task);
        }
        if (stop.retrying()) {
            int code = ControllerExceptionMappers.status(stop.outcome().failure());
            return Envelopes.of(code >= 500 ? code : 502, "task " + task.taskId() + " could not be stopped on host "
                    + task.hostId() + ": " + stop.outcome().failure().getMessage() + "; the stop is retried in the "
                    + "background (operation " + stop.operationId() + "): poll GET /api/v1/tasks/" + task.taskId()
                    + ", or give up with POST /api/v1/operations/" + stop.operationId() + "/cancel", task);
        }
        return Envelopes.of(503, "the outcome of stopping task " + task.taskId() + " could not be recorded yet; "
                + "it is resumed automatically: poll GET /api/v1/tasks/" + task.taskId(), task);
    }
}
