package io.fleetlink.controller;

import io.fleetlink.controller.allocation.AllocateRequest;
import io.fleetlink.controller.allocation.Allocation;
import io.fleetlink.controller.allocation.AllocationAccepted;
import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.client.AgentHealth;
import io.fleetlink.controller.fanout.FleetExecRequest;
import io.fleetlink.controller.fanout.FleetExecResource;
import io.fleetlink.controller.fanout.FleetExecResult;
import io.fleetlink.controller.fanout.FleetExecSummary;
import io.fleetlink.controller.fanout.HostExecResult;
import io.fleetlink.controller.host.CleanupHostRequest;
import io.fleetlink.controller.host.DrainHostRequest;
import io.fleetlink.controller.host.Host;
import io.fleetlink.controller.host.RegisterHostRequest;
import io.fleetlink.controller.host.HandoverReport;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.security.AgentTokenResource;
import io.fleetlink.controller.operation.OperationAttempt;
import io.fleetlink.controller.operation.OperationPayload;
import io.fleetlink.controller.task.RegisterTaskRequest;
import io.fleetlink.controller.task.Task;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Registers the controller's JSON types for reflection in a native image. The operation payload and
 * callback events are written with the ObjectMapper directly (into the store, to the receiver), out
 * of the REST layer's sight; the API types are listed too so nothing depends on generic-type discovery.
 */
@RegisterForReflection(targets = {
        OperationPayload.class, CallbackEvent.class,
        RegisterHostRequest.class, CleanupHostRequest.class, Host.class, DrainHostRequest.class,
        AllocateRequest.class, Allocation.class, AllocationAccepted.class,
        RegisterTaskRequest.class, Task.class, AgentTokenResource.AgentToken.class,
        Operation.class, AgentHealth.class,
        FleetExecRequest.class, FleetExecResult.class, FleetExecSummary.class, HostExecResult.class,
        FleetExecResource.SummaryLine.class,
        OperationAttempt.class, HandoverReport.class, HandoverReport.Removed.class })
final class ControllerJsonTypes {

    private ControllerJsonTypes() {
    }
}
