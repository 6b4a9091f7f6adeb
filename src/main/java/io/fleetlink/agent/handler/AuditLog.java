package io.fleetlink.agent.handler;

import org.jboss.logging.Logger;

import io.fleetlink.protocol.AgentRpc;

/**
 * One structured line per mutating call on the {@code fleetlink.audit} category, so it can be routed
 * to its own handler. Never carries a token, a key body or command output: only what was asked of
 * which target, by which request, and how it ended.
 */
public final class AuditLog {

    private static final Logger AUDIT = Logger.getLogger("fleetlink.audit");

    private AuditLog() {
    }

    public static void record(AgentRpc operation, String target, RequestMeta meta, String result, long durationMs) {
        AUDIT.infof("operation=%s target=%s request_id=%s transport=%s credential=agent-token result=%s duration_ms=%d",
                operation.configName(), target, meta.requestId().orElse("-"), meta.transport(), result, durationMs);
    }
}
