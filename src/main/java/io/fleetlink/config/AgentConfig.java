package io.fleetlink.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.validation.constraints.Min;

import org.hibernate.validator.constraints.time.DurationMin;

import io.fleetlink.protocol.AgentRpc;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the node agent role: identity, credentials, and what each operation may touch.
 */
@ConfigMapping(prefix = "fleetlink.agent")
public interface AgentConfig {

    /** The host id this agent reports; defaults to the machine's host name. */
    Optional<String> hostId();

    /** How callers authenticate. */
    Auth auth();

    /** TLS for the agent's HTTP and gRPC servers. */
    Tls tls();

    /** Switches that turn operations off. */
    Operations operations();

    /** StopProcess. */
    ProcessSettings process();

    /** ResetSSH. */
    Ssh ssh();

    /** CleanupMachine. */
    Cleanup cleanup();

    /** MountDataset and UnmountDataset. */
    Datasets datasets();

    /** ExecuteCommand. */
    Exec exec();

    /** GetSystemInfo's GPU part and the cleanup's GPU health gate. */
    Gpu gpu();

    /** Replay of mutating requests that carry an {@code X-Request-Id}. */
    Idempotency idempotency();

    /** The gRPC server beyond the agent service. */
    GrpcSettings grpc();

    /**
     * Where the agent keeps what must survive a restart: the highest fencing epoch it accepted
     * ({@code epoch}) and the results of finished mutating requests ({@code requests.jsonl}). Created
     * 0700 when missing; its files are root-only (0600).
     */
    @WithDefault("/var/lib/fleetlink")
    Path stateDir();

    /** Fencing epochs ({@code X-Fleetlink-Epoch}). */
    Fencing fencing();

    /**
     * Joining the fleet with a join token (README "Joining the fleet"): with {@code url} and
     * {@code token-file} set and no {@code auth.token(-file)}, the agent registers itself at the
     * controller once its servers are up and stores the credential it receives in
     * {@code <state-dir>/agent.credential} (0600), its token from then on, also after a restart.
     */
    Join join();

    /**
     * Longest time any one operation may take on the machine before the agent gives up and answers
     * 504; bounds work that has no timeout of its own (a hung mount, a stuck Docker engine).
     */
    @WithDefault("5m")
    @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
    Duration operationTimeout();

    /**
     * Lowest uid of a tenant account. Only accounts with {@code tenant-uid-min <= uid <= tenant-uid-max}
     * are tenants; every user-scoped operation (exec's {@code user}, ResetSSH, cleanup) refuses any
     * other account with 403. Root (uid 0) is never a tenant. Replaces {@code ssh.min-uid}.
     */
    @WithDefault("1000")
    @Min(1)
    int tenantUidMin();

    /**
     * Highest uid of a tenant account; the default keeps {@code nobody} (65534) and the 60001+ range
     * Debian reserves for system use out. Must not be below {@code tenant-uid-min} (checked at start).
     */
    @WithDefault("60000")
    @Min(1)
    int tenantUidMax();

    interface Auth {
        /**
         * The bearer token every {@code /api/v1} request and every gRPC call must present. Prefer
         * {@code token-file} or the {@code FLEETLINK_AGENT_AUTH_TOKEN} environment variable over a
         * command-line value. With role {@code agent} one of the two is required.
         */
        Optional<String> token();

        /** A file whose content (trimmed) is the bearer token; followed when it changes (rotation). */
        Optional<Path> tokenFile();

        /**
         * With mutual TLS ({@code tls.client-ca-file}): the names (subject alternative DNS names, IP
         * addresses, or the common name) a caller's certificate must carry one of. Required then.
         */
        Optional<Set<String>> controllerNames();

        /**
         * The operations the agent's main credential may call: the token above (or the token derived for
         * this host from the controller's secret) and, with mutual TLS, a controller's certificate.
         * Names: {@code exec}, {@code cleanup}, {@code ssh-reset}, {@code stop}, {@code mount} (mount and
         * unmount), {@code gpu-health}; {@code none} for nothing. Ping and system info are open to every
         * valid credential. The default leaves {@code exec} out: the controller's normal credential cannot
         * run commands unless an operator adds it here or gives exec to a credential of its own
         * ({@code clients.<name>}). Anything else is refused with 403 / PERMISSION_DENIED.
         */
        @WithDefault("cleanup,ssh-reset,stop,mount,gpu-health")
        Set<AgentPermission> operations();

        /**
         * Further credentials by name, each with its own token and operations, e.g. {@code clients.exec}
         * for the token the controller presents only for ExecuteCommand
         * ({@code fleetlink.controller.agent-exec-token-file}), or an operator's own. The name is the
         * credential id in refusals and the audit log.
         */
        Map<String, Client> clients();

        /**
         * With mutual TLS: for a controller certificate name (one of {@code controller-names}), the most a
         * call through that certificate may reach, e.g.
         * {@code certificate-operations.fleetlink-controller=cleanup,ssh-reset,stop,mount}. The call gets what
         * both its token and its certificate allow. A certificate whose names are not listed adds no limit.
         */
        Map<String, Set<AgentPermission>> certificateOperations();
    }

    interface Client {
        /** The token inline or by environment; prefer {@code token-file}. */
        Optional<String> token();

        /** A file whose content (trimmed) is the token; followed when it changes (rotation). */
        Optional<Path> tokenFile();

        /** What this credential may call, as in {@code auth.operations}; none listed: only ping and system info. */
        Optional<Set<AgentPermission>> operations();
    }

    interface Tls {
        /** PEM certificate chain the agent serves; TLS is on when this and {@code key-file} are set. */
        Optional<Path> certFile();

        /** PEM private key of {@code cert-file}. */
        Optional<Path> keyFile();

        /**
         * PEM file of the fleet CA: with it, both ports require a client certificate signed by it whose
         * name is one of {@code auth.controller-names} (mutual TLS), besides the bearer token.
         */
        Optional<Path> clientCaFile();

        /** How often the HTTP port reloads {@code cert-file}, {@code key-file} and {@code client-ca-file}. */
        @WithDefault("1h")
        Duration reloadPeriod();
    }

    interface Operations {
        /**
         * Operations this agent refuses with 403, by name: {@code system-info}, {@code process-stop},
         * {@code ssh-reset}, {@code machine-cleanup}, {@code dataset-mount}, {@code dataset-unmount},
         * {@code command-exec}, {@code gpu-health}. {@code ping} cannot be disabled.
         */
        Optional<Set<AgentRpc>> disabled();
    }

    interface ProcessSettings {
        /** The environment variable that marks a task's processes: {@code <task-env>=<task_id>}. */
        @WithDefault("FLEETLINK_TASK_ID")
        String taskEnv();

        /** Grace period between the first signal and SIGKILL when the request names none. */
        @WithDefault("10s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration defaultGrace();

        /** Longest grace period a request may ask for. */
        @WithDefault("5m")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration maxGrace();
    }

    interface Ssh {
        /**
         * Removed: the tenant range is {@code fleetlink.agent.tenant-uid-min} and {@code tenant-uid-max}.
         * Kept only so an old configuration that still sets it stops the agent at start-up with a message
         * naming the new keys, instead of being ignored silently.
         */
        Optional<String> minUid();

        /** Key types accepted in authorized_keys. */
        @WithDefault("ssh-ed25519,ssh-rsa,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
                + "sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com")
        Set<String> allowedKeyTypes();

        /** Most keys one ResetSSH may install. */
        @WithDefault("100")
        @Min(0)
        int maxKeys();
    }

    /** Which containers the docker cleanup step removes. */
    enum DockerScope {
        /** Containers labelled {@code fleetlink.user=<user>}. */
        USER,
        /** Every container that does not carry the exempt label. */
        ALL
    }

    interface Cleanup {
        /**
         * Directories whose content the data step deletes; {@code {user}} expands to the user name, e.g.
         * {@code /home/{user}/work,/scratch/{user}}. The roots themselves stay. No roots: the data step
         * has nothing to do.
         */
        Optional<List<String>> dataRoots();

        /** The Docker Engine's unix socket. */
        @WithDefault("/var/run/docker.sock")
        Path dockerSocket();

        /** {@code user}: the user's labelled containers; {@code all}: every non-exempt container. */
        @WithDefault("user")
        DockerScope dockerScope();

        /** A container with this label set to {@code true} is never removed by scope {@code all}. */
        @WithDefault("fleetlink.exempt")
        String dockerExemptLabel();

        /** Grace period between SIGTERM and SIGKILL for the process step. */
        @WithDefault("5s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration processGrace();
    }

    interface Datasets {
        /**
         * Datasets are mounted at {@code <mount-root>/<dataset_id>}. It and every directory above it must be
         * owned by root and writable only by root (mount points there are handled by path); otherwise every
         * mount, unmount and cleanup there fails.
         */
        @WithDefault("/mnt/datasets")
        Path mountRoot();

        /**
         * Prefixes a mount source must start with, e.g. {@code /data/datasets/} or {@code nas01:/export/}.
         * None configured: every mount is refused. A local prefix and every directory above it must be owned
         * by root and writable only by root; below it tenants may own folders, which are opened without
         * following links and mounted as opened.
         */
        Optional<List<String>> allowedSources();

        /** File system types besides {@code bind} that MountDataset accepts (e.g. {@code nfs,nfs4}). */
        Optional<Set<String>> allowedFsTypes();

        /** Longest a mount or unmount may take before it is reported as failed. */
        @WithDefault("60s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration timeout();
    }

    interface Exec {
        /** ExecuteCommand is off unless this is true. */
        @WithDefault("false")
        boolean enabled();

        /**
         * Programs (absolute paths, or names looked up on the agent's PATH) that command[0] may name.
         * Each is resolved to its real file; a request runs that file, and only when it, every directory
         * on the way to it and every link in between are owned by root and not writable by group or
         * others (so no tenant can swap it between the check and the exec).
         */
        Optional<Set<String>> allowedCommands();

        /**
         * Environment variables a request's {@code env} may set; any other name is refused (400). The
         * default is harmless to a root process: locale and time zone (their values must be names inside
         * the system's locale/zoneinfo/terminfo directories: no leading '/', no '..'), the terminal type,
         * and which GPUs CUDA and the NVIDIA container runtime see. Do not add variables that make a
         * program load code or read start-up files ({@code LD_*}, {@code PYTHON*}, {@code BASH_ENV},
         * {@code PERL5LIB}, ...). {@code PATH}, {@code HOME}, {@code USER}, {@code LOGNAME} are the agent's
         * and refused even when listed.
         */
        @WithDefault("LANG,LC_ALL,TZ,TERM,CUDA_VISIBLE_DEVICES,NVIDIA_VISIBLE_DEVICES")
        Set<String> allowedEnv();

        /** Cap on a request's {@code timeout_seconds}. */
        @WithDefault("10m")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration maxTimeout();

        /** Bytes of stdout and of stderr kept per command; the rest is dropped and flagged. */
        @WithDefault("1048576")
        @Min(0)
        int maxOutputBytes();

        /**
         * Keep two launchers waiting where commands run in their own cgroup: root {@code bash} processes,
         * each already in an empty cgroup and session of its own, that become later commands, so that a call costs
         * one exec instead of three and no cgroup move (which can wait milliseconds for the kernel). False:
         * every command makes its process and joins its cgroup during its call.
         */
        @WithDefault("true")
        boolean warmLauncher();
    }

    interface Gpu {
        /** The nvidia-smi program: a path, or a name looked up on PATH. */
        @WithDefault("nvidia-smi")
        String nvidiaSmi();

        /** How long nvidia-smi may take. */
        @WithDefault("10s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration timeout();

        /**
         * Where the GPU health gate keeps its state ({@code gpu-state.json}): the GPUs first seen (the
         * inventory a later check compares against) and each GPU's uncorrectable-ECC baseline.
         */
        @WithDefault("/var/lib/fleetlink")
        String stateDir();

        /**
         * Whether the cleanup's gpu step resets each GPU ({@code nvidia-smi --gpu-reset -i N}) when no
         * process uses it, before its checks: {@code never} or {@code on-release}.
         */
        @WithDefault("never")
        GpuReset reset();

        /**
         * Where the gate reads the driver's Xid lines: {@code /dev/kmsg} (read without ever waiting for new
         * messages), a file of kernel log lines, or {@code none} to leave the Xid check out.
         */
        @WithDefault("/dev/kmsg")
        String kernelLog();

        /**
         * The Xids that fail a GPU when logged since the allocation began: 48 (double-bit ECC), 63/64 (row
         * remapping or page retirement event / failure), 74 (NVLink), 79 (fallen off the bus), 92 (high
         * single-bit ECC rate), 94/95 (contained / uncontained ECC error).
         */
        @WithDefault(DEFAULT_FATAL_XIDS)
        List<Integer> fatalXids();

        /** {@code fatal-xids}' default, also for tools that check GPUs without the agent's configuration. */
        String DEFAULT_FATAL_XIDS = "48,63,64,74,79,92,94,95";

        /** The dcgmi program (DCGM), a path or a name on PATH; used only when {@code diag-level} is above 0. */
        @WithDefault("dcgmi")
        String dcgmi();

        /**
         * {@code dcgmi diag -r <level>} in the gpu step when dcgmi is installed: 0 (off), 1 (quick, seconds),
         * 2 (medium, minutes), 3 and 4 (long, up to hours; raise {@code diag-timeout} and the operation timeouts).
         */
        @WithDefault("0")
        @Min(0)
        @jakarta.validation.constraints.Max(4)
        int diagLevel();

        /** How long {@code dcgmi diag} may take; past it the diag check fails. */
        @WithDefault("3m")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration diagTimeout();

        /**
         * How long system info (GetSystemInfo) reuses what nvidia-smi last answered, so a dashboard polling
         * many agents costs one nvidia-smi run per agent per interval; calls at the same moment share one
         * run. {@code 0} reads the GPUs on every call. The health gate and the cleanup's gpu step never use
         * it: they always ask nvidia-smi now.
         */
        @WithDefault("5s")
        @DurationMin(millis = 0)
        Duration infoCache();
    }

    enum GpuReset {
        NEVER,
        ON_RELEASE
    }

    interface Idempotency {
        /**
         * How long the result of a finished mutating request is kept (in memory and in
         * {@code <state-dir>/requests.jsonl}) and replayed to a retry with the same request id, also
         * after an agent restart. A running request stays bound to its id until it ends, however long.
         */
        @WithDefault("15m")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration retention();

        /**
         * Removed: replaced by {@code retention}. Kept only so an old configuration that still sets it
         * stops the agent at start-up with a message naming the new key, instead of being ignored.
         */
        Optional<String> ttl();

        /** Most finished results kept; past it the oldest finished ones are forgotten first. */
        @WithDefault("10000")
        @Min(1)
        int maxEntries();
    }

    interface Fencing {
        /**
         * When true, a mutating call without {@code X-Fleetlink-Epoch} ({@code x-fleetlink-epoch} over gRPC)
         * is refused (409 / FAILED_PRECONDITION). When false such a call is applied unfenced (an operator's
         * direct call). The shipped agent configuration sets it.
         */
        @WithDefault("false")
        boolean required();
    }

    interface GrpcSettings {
        /**
         * Serve gRPC server reflection ({@code grpc.reflection.v1} and {@code v1alpha}) so grpcurl and
         * other tools list the services without the proto; every reflection call needs the agent's
         * bearer token like any rpc. On in dev mode, off by default otherwise.
         */
        @WithDefault("false")
        boolean reflection();
    }

    interface Join {
        /** The controller's base URL, e.g. {@code https://controller.example:8081}; joining is on when set. */
        Optional<String> url();

        /** A file holding the join token an admin created ({@code fleetlink join-token create}); needed only until the agent joined. */
        Optional<Path> tokenFile();

        /**
         * The address the controller calls this agent at; by default the local address this machine
         * uses to reach the controller.
         */
        Optional<String> address();

        /** The HTTP port the controller calls; by default the port this agent's HTTP server listens on. */
        Optional<Integer> httpPort();

        /** The gRPC port the controller calls; by default {@code quarkus.grpc.server.port}. */
        Optional<Integer> grpcPort();

        /**
         * PEM file of the CA that signed the controller's HTTPS certificate (the fleet CA); by default
         * the JVM's trust store. The controller's name is verified against {@code url} either way.
         */
        Optional<Path> caFile();

        /** Labels the host is registered with ({@code fleetlink.agent.join.labels.zone=eu-1}). */
        Map<String, String> labels();

        /** First wait before trying again when a join fails; doubled (with jitter) up to {@code retry-max}. */
        @WithDefault("2s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration retryMin();

        /** Longest wait between two join attempts. */
        @WithDefault("5m")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration retryMax();

        /** How long one join request may take. */
        @WithDefault("30s")
        @DurationMin(millis = 1, message = ConfigMessages.POSITIVE_DURATION)
        Duration timeout();
    }
}
