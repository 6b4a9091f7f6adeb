package io.fleetlink.agent.os;

import java.util.List;

/**
 * The seam over the kernel log the GPU health gate reads for Xid lines: {@code /dev/kmsg} on a real
 * machine ({@link LinuxKernelLog}), a plain file in tests. Every read ends on its own (a non-blocking
 * read until there is nothing more) or at a hard deadline; it never waits for new messages. Blocking.
 */
public interface KernelLog {

    /**
     * One record: {@code seq} is the kmsg sequence number ({@code prio,seq,usec,flags;message}); for a
     * line not in that format (a file of {@code dmesg} lines), its 1-based line number.
     */
    record Entry(long seq, String message) {
    }

    /**
     * What one read found. {@code entries} are the records after the position asked for whose message
     * contains the text asked for; {@code lastSeq} is the last record's sequence number (-1 for an
     * empty log), the position to read from next time; {@code bootId} names the boot the sequence
     * numbers belong to (they restart at each boot). {@code error} is non-null when the log could not
     * be read, {@code timedOut} when it did not end within the deadline.
     */
    record Read(List<Entry> entries, long lastSeq, String bootId, String error, boolean timedOut) {

        public static Read failed(String error, boolean timedOut, String bootId) {
            return new Read(List.of(), -1, bootId, error, timedOut);
        }

        public boolean ok() {
            return error == null;
        }
    }

    /** Whether a log is configured at all ({@code fleetlink.agent.gpu.kernel-log} is not {@code none}). */
    boolean configured();

    /** The id of the running boot ({@code /proc/sys/kernel/random/boot_id}), or null when unknown. */
    String bootId();

    /** The records with a sequence number above {@code afterSeq} whose message contains {@code contains}. */
    Read read(long afterSeq, String contains);
}
