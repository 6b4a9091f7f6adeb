package io.fleetlink.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the controller role.
 */
@ConfigMapping(prefix = "fleetlink.controller")
public interface ControllerConfig {

    /**
     * One bearer token the controller presents to every agent (a start-up warning says why not: root
     * on any one machine then holds the key to all). Prefer {@code agent-token-secret}. With role
     * {@code all} and neither set, the local agent's token is used.
     */
    Optional<String> agentToken();

    /** A file whose content (trimmed) is the token presented to agents; followed when it changes. */
    Optional<Path> agentTokenFile();

    /**
     * Token mode with a token per host: the controller presents to host {@code H} the unpadded
     * base64url HMAC-SHA256 of {@code H} keyed with this secret (see README, "Securing a fleet"); the
     * secret never leaves the controller. Prefer {@code agent-token-secret-file}. Not together with
     * {@code agent-token}.
     */
    Optional<String> agentTokenSecret();

    /** A file whose content (trimmed) is {@code agent-token-secret}; followed when it changes. */
    Optional<Path> agentTokenSecretFile();

    /**
     * The token the controller presents for ExecuteCommand only (exec on a host, fleet exec), the same
     * for every agent; each agent accepts it as {@code fleetlink.agent.auth.clients.exec} with
     * {@code operations=exec}, so the normal credential needs no exec. Prefer
     * {@code agent-exec-token-secret-file} (one per host). Unset (both): exec calls use the normal credential,
     * which the agents refuse unless their {@code auth.operations} lists {@code exec}.
     */
    Optional<String> agentExecToken();

    /** A file whose content (trimmed) is {@code agent-exec-token}; followed when it changes. */
    Optional<Path> agentExecTokenFile();

    /**
     * Exec tokens per host: for host {@code H} the unpadded base64url HMAC-SHA256 of {@code H} keyed with
     * this secret (the derivation of {@code agent-token-secret}, with a secret of its own). Not together
     * with {@code agent-exec-token}.
     */
    Optional<String> agentExecTokenSecret();

    /** A file whose content (trimmed) is {@code agent-exec-token-secret}; followed when it changes. */
    Optional<Path> agentExecTokenSecretFile();

    /**
     * Hosts known from configuration, by host id; agent calls to a host id that is not registered in the
     * store resolve here. A registered host of the same id takes precedence. The reachability sweep
     * covers registered hosts only.
     */
    Map<String, StaticHost> hosts();

    /**
     * Deadlines per operation that override {@code agent.timeout}, by operation name:
     * {@code ping}, {@code system-info}, {@code process-stop}, {@code ssh-reset}, {@code machine-cleanup},
     * {@code dataset-mount}, {@code dataset-unmount}, {@code command-exec}. Example:
     * {@code fleetlink.controller.timeouts.machine-cleanup=10m}. An exec call's deadline is at least the
     * command's own timeout plus {@code exec-timeout-margin}.
     */
    Map<String, Duration> timeouts();

    /**
     * What one operation may take at the agent: keep it equal to the agents' {@code fleetlink.agent.operation-timeout}.
     * A cleanup call's deadline is this plus {@code deadline-margin} (unless {@code timeouts.machine-cleanup}
     * sets it), so the controller never gives up on a cleanup the agent is still doing.
     */
    @WithDefault("5m")
    @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
    Duration agentOperationTimeout();

    /** Added to what an operation may take at the agent (cleanup, a stop's grace) to make the call's deadline. */
    @WithDefault("30s")
    @DurationMin(millis = 0)
    Duration deadlineMargin();

    /**
     * The grace a stop waits between TERM and KILL when the request names none: keep it equal to the agents'
     * {@code fleetlink.agent.process.default-grace}. A stop's deadline is at least its grace plus {@code deadline-margin}.
     */
    @WithDefault("10s")
    @DurationMin(millis = 0)
    Duration stopGrace();

    /** Added to a command's {@code timeout_seconds} to make the exec call's deadline. */
    @WithDefault("10s")
    @DurationMin(millis = 0)
    Duration execTimeoutMargin();

    /**
     * Retries of failed agent calls: unreachable (not an open breaker), timeout and 5xx, never 4xx; a
     * command exec only when no connection could be made.
     */
    Retry retry();

    /** The circuit breaker each host gets. */
    Breaker breaker();

    /** Most agent calls in flight at once, over all hosts; more wait in a queue. */
    @WithDefault("64")
    @Min(1)
    int maxConcurrency();

    /** Most agent calls in flight at once to one host; more wait in that host's queue. */
    @WithDefault("8")
    @Min(1)
    int maxConcurrencyPerHost();

    /** Calls that may wait for a free slot, per host and in total, before being refused. */
    @WithDefault("256")
    @Min(0)
    int maxQueued();

    interface Retry {
        /** Attempts per call, the first included; 1 disables retries. */
        @WithDefault("4")
        @Min(1)
        @Max(10)
        int maxAttempts();

        /** Cap of the first backoff; the cap doubles each attempt (full jitter: a random wait up to the cap). */
        @WithDefault("200ms")
        @DurationMin(millis = 1)
        Duration initialBackoff();

        /** Largest cap of any backoff. */
        @WithDefault("5s")
        @DurationMin(millis = 1)
        Duration maxBackoff();
    }

    interface Breaker {
        /** Calls in the rolling window the breaker judges. */
        @WithDefault("10")
        @Min(1)
        int requestVolumeThreshold();

        /** Share of failed calls in the window that opens the breaker. */
        @WithDefault("0.5")
        @DecimalMin("0.01")
        @DecimalMax("1.0")
        double failureRatio();

        /** How long an open breaker fails calls at once before letting a trial call through. */
        @WithDefault("30s")
        @DurationMin(millis = 1)
        Duration delay();

        /** Successful trial calls that close a half-open breaker. */
        @WithDefault("1")
        @Min(1)
        int successThreshold();
    }

    /** An agent listed in configuration. */
    interface StaticHost {
        /** Host name or IP address of the agent. */
        String address();

        /** Its HTTP port; default {@code agent.http-port}. */
        java.util.OptionalInt httpPort();

        /** Its gRPC port; default {@code agent.grpc-port}. */
        java.util.OptionalInt grpcPort();
    }

    /** Who may call the controller's own REST API. */
    Auth auth();

    /** Status callbacks to the platform backend. */
    Callback callback();

    /** The reachability sweep. */
    Health health();

    /**
     * How long this replica trusts what it read about a host's agent without asking the store again: its
     * address and ports, whether it is registered, the lowest agent epoch the store holds for it, and that
     * this replica already recorded it ONLINE. A write through this replica is seen at once (it drops the
     * entry); another replica's within this bound. Never the fencing epoch: that is read fresh for every
     * fenced call. {@code 0s} turns the cache off.
     */
    @WithDefault("1s")
    @DurationMin(millis = 0)
    Duration hostCacheTtl();

    /** Allocation, release, cleanup and task-stop pipelines. */
    Pipeline pipeline();

    interface Auth {
        /**
         * The bearer token every {@code /api/v1/} call to the controller must present. Prefer
         * {@code token-file} or the {@code FLEETLINK_CONTROLLER_AUTH_TOKEN} environment variable. Required
         * with role {@code controller}; role {@code all} generates one and logs it once when none is set.
         */
        Optional<String> token();

        /** A file whose content (trimmed) is the API token (role {@code admin}); followed when it changes. */
        Optional<Path> tokenFile();

        /**
         * Further API credentials by name (the name is the credential id the audit log records), each
         * with a role: {@code fleetlink.controller.auth.clients.dashboard.token-file=/etc/...},
         * {@code ...dashboard.role=viewer}.
         */
        Map<String, Client> clients();
    }

    /** One API credential: exactly one of {@code token}, {@code token-file}, {@code token-sha256}, and a role. */
    interface Client {
        /** The token inline or by environment; prefer {@code token-file} or {@code token-sha256}. */
        Optional<String> token();

        /** A file whose content (trimmed) is the token; followed when it changes. */
        Optional<Path> tokenFile();

        /** The SHA-256 of the token as 64 hex digits, so the controller never holds the token itself. */
        Optional<String> tokenSha256();

        /** What the credential may do: {@code admin}, {@code platform}, {@code operator} or {@code viewer}. */
        ApiRole role();
    }

    interface Callback {
        /**
         * Where status events are POSTed as JSON ({@code allocation.ready}, {@code task.stopped}, ...). Unset:
         * events are kept in the outbox and sent once a URL is configured.
         */
        Optional<URI> url();

        /** Sent as {@code Authorization: Bearer <token>} with every callback; prefer {@code token-file}. */
        Optional<String> token();

        /** A file whose content (trimmed) is the callback token. */
        Optional<Path> tokenFile();

        /** How long one callback POST may take. */
        @WithDefault("10s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration timeout();

        /** How often the sender looks for events that are due. */
        @WithDefault("1s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration pollInterval();

        /** Cap of the first retry delay after a failed delivery; the cap doubles per attempt (full jitter: a random wait up to the cap). */
        @WithDefault("1s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration initialBackoff();

        /** Largest cap of the delay between two delivery attempts of one event. */
        @WithDefault("5m")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration maxBackoff();

        /** Events sent per poll. */
        @WithDefault("50")
        @Min(1)
        @Max(1000)
        int batchSize();

        /** Most callback POSTs in flight at once to the receiver; the rest of a batch waits its turn. */
        @WithDefault("4")
        @Min(1)
        @Max(256)
        int maxInFlight();

        /** How long a delivered event stays in the outbox (for inspection) before it is purged. */
        @WithDefault("24h")
        @DurationMin(millis = 0)
        Duration retention();
    }

    interface Health {
        /** How often every registered host is pinged. */
        @WithDefault("30s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration interval();

        /** Consecutive failed pings before a host is marked OFFLINE (one success marks it ONLINE). */
        @WithDefault("3")
        @Min(1)
        int offlineAfter();

        /** Hosts pinged at the same time. */
        @WithDefault("16")
        @Min(1)
        @Max(1024)
        int concurrency();
    }

    interface Pipeline {
        /**
         * This replica's name in operation leases. Default: the pod name ({@code HOSTNAME}) or the host
         * name, without any random suffix, so a replica restarted under the same name (a StatefulSet pod,
         * the same machine) reclaims the operations it left RUNNING at once instead of waiting for their
         * leases. Two live replicas must never share one: set it explicitly when several run on one host.
         */
        Optional<String> replicaId();

        /**
         * How long a replica owns an operation it claimed; while the operation runs, the replica renews the
         * lease every {@code lease-renew-interval}, so keep it a few times that. An operation whose lease
         * expired (its replica died) is resumed by another replica within {@code resume-interval}.
         */
        @WithDefault("15s")
        @DurationMin(seconds = 1, message = "must be at least 1s")
        Duration lease();

        /** How often a replica renews the leases of the operations it runs. */
        @WithDefault("5s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration leaseRenewInterval();

        /** How often PENDING operations and RUNNING ones with an expired lease are looked for. */
        @WithDefault("2s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration resumeInterval();

        /** Operations resumed per look; a full batch is followed at once by another look. */
        @WithDefault("20")
        @Min(1)
        int resumeBatch();

        /**
         * How long provisioning, release and host cleanup keep retrying transient failures (agent unreachable,
         * timeout, 5xx, an open breaker, store errors) with backoff before the operation fails; long enough to
         * outlast an agent restart.
         */
        @WithDefault("3m")
        @DurationMin(millis = 0)
        Duration retryFor();

        /**
         * How long the replica that owns an operation keeps retrying a run that failed on a store fault
         * (typically its outcome write), with backoff, before leaving it to the resume job.
         */
        @WithDefault("2m")
        @DurationMin(millis = 0)
        Duration storeRetryFor();

        /** Cap of the first backoff of such a retry; the cap doubles per attempt up to 5s (full jitter). */
        @WithDefault("200ms")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration storeRetryInitialBackoff();

        /** Cap of the first delay before a failed task stop is retried in the background; the cap doubles per attempt (full jitter). */
        @WithDefault("5s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration retryInitialBackoff();

        /** Largest cap of the delay between two background retries of a task stop. */
        @WithDefault("5m")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration retryMaxBackoff();
    }
}
