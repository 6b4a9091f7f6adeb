package io.fleetlink.controller.task;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import io.fleetlink.controller.api.ControllerIds;

/** {@code POST /api/v1/tasks}: a task whose processes carry {@code FLEETLINK_TASK_ID=<task_id>} on {@code host_id}. */
public record RegisterTaskRequest(
        @NotBlank @Pattern(regexp = ControllerIds.TASK_ID, message = ControllerIds.TASK_ID_RULE) String taskId,
        @NotBlank @Pattern(regexp = ControllerIds.HOST_ID, message = ControllerIds.HOST_ID_RULE) String hostId) {
}
