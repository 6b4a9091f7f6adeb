package io.fleetlink.controller.client;

/**
 * Names and tags of the controller's agent-call metrics, in one place. Prometheus shows them with
 * dots as underscores ({@code fleetlink_agent_requests_seconds}). Tags have bounded values only:
 * no host id, so a fleet of thousands of hosts does not explode the series count.
 */
public final class AgentMetrics {

    /** Timer (histogram): one sample per agent call, retries included, by operation, protocol, outcome. */
    public static final String REQUESTS = "fleetlink.agent.requests";

    /** Counter: attempts repeated after a retryable failure, by operation and protocol. */
    public static final String RETRIES = "fleetlink.agent.retries";

    /** Gauge: hosts whose circuit breaker is open or half-open (waiting for a trial call to succeed). */
    public static final String BREAKERS_OPEN = "fleetlink.agent.breakers.open";

    /** Gauge: agent calls in flight now (queued ones included). */
    public static final String IN_FLIGHT = "fleetlink.agent.requests.inflight";

    /** Counter: checkAgentHealth results, by result (up, down). */
    public static final String HEALTH_CHECKS = "fleetlink.agent.health.checks";

    public static final String TAG_OPERATION = "operation";
    public static final String TAG_PROTOCOL = "protocol";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_RESULT = "result";

    /** The outcome tag of a call that succeeded. */
    public static final String SUCCESS = "success";

    private AgentMetrics() {
    }
}
