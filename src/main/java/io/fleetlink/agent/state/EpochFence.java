package io.fleetlink.agent.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import io.fleetlink.agent.AgentException;
import io.grpc.Status;

/**
 * The highest fencing epoch this agent has accepted, kept in {@code <state-dir>/epoch} (decimal, one
 * line) so it survives restarts. A mutating call that carries a lower epoch is refused before anything
 * is done; a higher one is written to disk before the call's work starts. {@link #admit} checks and
 * raises under one lock, so two concurrent calls cannot both pass against the same old value.
 * Blocking when it writes.
 */
public final class EpochFence {

    public static final String FILE = "epoch";
    /** The controller parses {@code this host is at (\d+)} out of this. */
    static final String STALE = "stale epoch %d, this host is at %d";

    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,19}");

    private final Path dir;
    private volatile long current;

    private EpochFence(Path dir, long current) {
        this.dir = dir;
        this.current = current;
    }

    /**
     * Opens the fence in {@code dir} (created when missing): no file means a host that never accepted
     * an epoch (0).
     *
     * @throws IllegalStateException when the file cannot be read or does not hold one decimal number:
     *         the agent must not guess its epoch, since 0 would let any late call through
     */
    public static EpochFence open(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            StateFiles.ensureDirectory(dir);
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return new EpochFence(dir, 0);
            }
            StateFiles.checkFile(file);
            String content = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!DECIMAL.matcher(content).matches()) {
                throw corrupt(file, "it does not hold one decimal number");
            }
            try {
                return new EpochFence(dir, Long.parseLong(content));
            } catch (NumberFormatException e) {
                throw corrupt(file, "its number is above 9223372036854775807");
            }
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot read the fencing epoch in " + file + " (fleetlink.agent.state-dir): "
                    + e.getMessage(), e);
        }
    }

    private static IllegalStateException corrupt(Path file, String why) {
        return new IllegalStateException(file + " (fleetlink.agent.state-dir) is corrupt: " + why
                + ". The agent will not guess its fencing epoch (0 would let a late call for a previous tenant through): "
                + "restore the file, or write the host's epoch from the controller into it (one decimal number)");
    }

    /** The highest epoch accepted so far. */
    public long current() {
        return current;
    }

    /** Refuses {@code epoch} when it is below the current one; reads memory only, never blocks. */
    public void check(long epoch) {
        long at = current;
        if (epoch < at) {
            throw stale(epoch, at);
        }
    }

    /**
     * Accepts {@code epoch}: refuses it when lower than the current one, writes it to disk first when
     * higher. Returns the epoch now stored.
     */
    public synchronized long admit(long epoch) {
        long at = current;
        if (epoch < at) {
            throw stale(epoch, at);
        }
        if (epoch > at) {
            try {
                StateFiles.writeAtomically(dir, FILE, (epoch + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw AgentException.internal("cannot store fencing epoch " + epoch + " in " + dir.resolve(FILE)
                        + " (fleetlink.agent.state-dir); nothing was done: " + e.getMessage(), e);
            }
            current = epoch;
        }
        return epoch;
    }

    /** Admits {@code epoch} when present; an unfenced call passes. */
    public void admit(OptionalLong epoch) {
        if (epoch.isPresent()) {
            admit(epoch.getAsLong());
        }
    }

    /** 409 over HTTP, FAILED_PRECONDITION over gRPC, with the message the controller parses. */
    public static AgentException stale(long epoch, long at) {
        return new AgentException(409, String.format(STALE, epoch, at)).withGrpcStatus(Status.Code.FAILED_PRECONDITION);
    }
}
