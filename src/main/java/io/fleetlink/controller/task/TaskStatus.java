package io.fleetlink.controller.task;

/** RUNNING → STOPPING → STOPPED, or STOP_FAILED while the stop is retried in the background. */
public enum TaskStatus {
    RUNNING, STOPPING, STOPPED, STOP_FAILED
}
