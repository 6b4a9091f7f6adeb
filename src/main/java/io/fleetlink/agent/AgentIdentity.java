package io.fleetlink.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.PingResponse;

/**
 * Who this agent is: its host id, version and start time. Read once; Ping never touches the OS.
 */
@ApplicationScoped
public class AgentIdentity {

    private final String hostId;
    private final String hostname;
    private final String version;
    /** When the process started (not when this bean was first used, which is the first ping). */
    private final Instant startedAt = ProcessHandle.current().info().startInstant().orElseGet(Instant::now);

    public AgentIdentity(AgentConfig config,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.hostname = readHostname();
        this.hostId = config.hostId().filter(id -> !id.isBlank()).orElse(hostname);
        this.version = version;
    }

    public String hostId() {
        return hostId;
    }

    public String hostname() {
        return hostname;
    }

    public String version() {
        return version;
    }

    /** Ping's reply, with the highest fencing epoch this agent has accepted. */
    public PingResponse ping(long epoch) {
        return new PingResponse(hostId, version, Duration.between(startedAt, Instant.now()).toSeconds(), epoch);
    }

    /** The kernel's node name; unlike InetAddress.getLocalHost() it never waits on DNS. */
    private static String readHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "localhost" : env;
        }
    }
}
