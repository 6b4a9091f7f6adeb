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
    private final Duration execMargin;
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
        });
        this.execMargin = config.execTimeoutMargin();
        this.maxAttempts = config.retry().maxAttempts();
        this.backoff = new Backoff(config.retry().initialBackoff(), config.retry().maxBackoff());
    }

    /** The deadline of one attempt; an exec waits for the command's own timeout plus a margin. */
    Duration timeout(AgentRpc operation, Integer execTimeoutSeconds) {
        Duration configured = timeouts.get(operation);
        if (operation == AgentRpc.COMMAND_EXEC) {
            Duration command = Duration.ofSeconds(execTimeoutSeconds != null ? execTimeoutSeconds
                    : ExecuteCommandRequest.DEFAULT_TIMEOUT_SECONDS).plus(execMargin);
            return command.compareTo(configured) > 0 ? command : configured;
        }
        return configured;
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
