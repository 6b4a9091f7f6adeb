package io.fleetlink.controller.client;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import io.fleetlink.config.AgentLinkConfig;
import io.fleetlink.config.ControllerConfig;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.protocol.ExecuteCommandRequest;

/**
 * When an agent call gives up and when it tries again: the deadline per operation, which failures
 * are retried, and how long to wait in between (exponential backoff with full jitter, so a fleet of
 * callers that failed together does not retry together).
 */
final class CallPolicy {

    private final Map<AgentRpc, Duration> timeouts = new EnumMap<>(AgentRpc.class);
    private final Map<AgentRpc, Duration> configured = new EnumMap<>(AgentRpc.class);
    private final Duration execMargin;
    private final Duration margin;
    private final Duration agentOperationTimeout;
    private final Duration stopGrace;
    private final int maxAttempts;
    private final Backoff backoff;

    CallPolicy(AgentLinkConfig link, ControllerConfig config) {
        for (AgentRpc operation : AgentRpc.values()) {
            timeouts.put(operation, link.timeout());
        }
        config.timeouts().forEach((name, timeout) -> {
            AgentRpc operation = Arrays.stream(AgentRpc.values())
                    .filter(op -> op.configName().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("fleetlink.controller.timeouts." + name
                            + ": unknown operation; allowed: " + Arrays.stream(AgentRpc.values())
                                    .map(AgentRpc::configName).collect(Collectors.joining(", "))));
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalStateException("fleetlink.controller.timeouts." + name + " must be a positive duration such as 30s");
            }
            timeouts.put(operation, timeout);
            configured.put(operation, timeout);
        });
        this.execMargin = config.execTimeoutMargin();
        this.margin = config.deadlineMargin();
        this.agentOperationTimeout = config.agentOperationTimeout();
        this.stopGrace = config.stopGrace();
        this.maxAttempts = config.retry().maxAttempts();
        this.backoff = new Backoff(config.retry().initialBackoff(), config.retry().maxBackoff());
    }

    /** The deadline of one attempt; an exec waits for the command's own timeout plus a margin. */
    Duration timeout(AgentRpc operation, Integer execTimeoutSeconds) {
        return timeout(operation, execTimeoutSeconds == null ? null : Duration.ofSeconds(execTimeoutSeconds));
    }

    /**
     * The deadline of one attempt, derived from what the operation may take at the agent so that both
     * sides agree: a cleanup gets {@code agent-operation-timeout} plus {@code deadline-margin} (unless
     * {@code timeouts.machine-cleanup} sets it); a stop its grace ({@code agentBudget}, else
     * {@code stop-grace}) plus the margin; an exec its command's timeout plus {@code exec-timeout-margin};
     * every other call {@code agent.timeout} or its {@code timeouts.<operation>}. Never below {@code agent.timeout}.
     *
     * @param agentBudget what this call may take at the agent (exec's timeout, a stop's grace), or null
     */
    Duration timeout(AgentRpc operation, Duration agentBudget) {
        Duration base = timeouts.get(operation);
        Duration derived = switch (operation) {
            case COMMAND_EXEC -> (agentBudget != null ? agentBudget
                    : Duration.ofSeconds(ExecuteCommandRequest.DEFAULT_TIMEOUT_SECONDS)).plus(execMargin);
            case MACHINE_CLEANUP -> configured.containsKey(operation) ? base : agentOperationTimeout.plus(margin);
            case PROCESS_STOP -> (agentBudget != null ? agentBudget : stopGrace).plus(margin);
            default -> base;
        };
        return derived.compareTo(base) > 0 ? derived : base;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Whether a failed attempt may be repeated. Every mutation carries a request id the agent
     * deduplicates, so repeating is safe; a command, though, is only repeated when it surely never
     * reached the agent (the agent forgets request ids when it restarts).
     */
    boolean retryable(AgentRpc operation, AgentClientException failure) {
        if (!failure.retryable()) {
            return false;
        }
        if (operation == AgentRpc.COMMAND_EXEC) {
            return failure instanceof AgentUnreachableException unreachable
                    && unreachable.reason() == AgentUnreachableException.Reason.CONNECT_FAILED;
        }
        return true;
    }

    /** The wait before attempt {@code attempt + 1}: {@link Backoff} over {@code retry.initial-backoff} and {@code retry.max-backoff}. */
    Duration backoff(int attempt) {
        Duration delay = backoff.delay(attempt, ThreadLocalRandom.current());
        // Mutiny timers refuse a zero delay, hence the 1 ms floor.
        return delay.isZero() ? Duration.ofMillis(1) : delay;
    }
}
