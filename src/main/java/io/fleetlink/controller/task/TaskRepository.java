package io.fleetlink.controller.task;

import static io.fleetlink.controller.store.Sql.params;
import static io.fleetlink.controller.store.Sql.ts;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.controller.store.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;

/** SQL for tasks. */
@ApplicationScoped
public class TaskRepository {

    private static final String COLUMNS = "task_id, host_id, status, error_message, operation_id, created_at, updated_at";

    public Uni<Void> insert(SqlClient client, Task task) {
        return Sql.update(client, "INSERT INTO tasks (" + COLUMNS + ") VALUES (#{id}, #{host}, #{status}, NULL, NULL, "
                + "#{now}, #{now})",
                params("id", task.taskId(), "host", task.hostId(), "status", task.status().name(), "now", ts(task.createdAt())))
                .replaceWithVoid();
    }

    /** The task, or null. */
    public Uni<Task> find(SqlClient client, String taskId) {
        return Sql.query(client, "SELECT " + COLUMNS + " FROM tasks WHERE task_id = #{id}", params("id", taskId))
                .map(rows -> rows.iterator().hasNext() ? read(rows.iterator().next()) : null);
    }

    /** Sets status, error and (when not null) the stop operation; returns the status it had before, or null. */
    public Uni<TaskStatus> update(SqlClient tx, String taskId, TaskStatus status, String error, String operationId,
            Instant now) {
        return find(tx, taskId)
                .call(before -> before == null
                        ? Uni.createFrom().voidItem()
                        : Sql.update(tx, "UPDATE tasks SET status = #{status}, error_message = #{error}, "
                                + "operation_id = COALESCE(#{op}, operation_id), updated_at = #{now} WHERE task_id = #{id}",
                                params("id", taskId, "status", status.name(), "error", error, "op", operationId,
                                        "now", ts(now))))
                .map(before -> before == null ? null : before.status());
    }

    private static Task read(Row row) {
        return new Task(
                row.getString("task_id"),
                row.getString("host_id"),
                TaskStatus.valueOf(row.getString("status")),
                row.getString("error_message"),
                row.getString("operation_id"),
                Sql.instant(row, "created_at"),
                Sql.instant(row, "updated_at"));
    }
}
