package io.fleetlink.agent.os;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fleetlink.agent.DaemonThreads;
import io.fleetlink.config.AgentConfig;

/**
 * The {@link KernelLog} of this machine: {@code fleetlink.agent.gpu.kernel-log}, {@code /dev/kmsg} by
 * default. Java cannot open a file with {@code O_NONBLOCK}, and a plain read of {@code /dev/kmsg}
 * waits for the next message once it has returned the last one; so the log is read by
 * {@code dd iflag=nonblock}, which reads record by record until the kernel answers {@code EAGAIN}
 * (nothing more) and exits. The agent streams its output, keeping only the matching records, and
 * kills it at {@code fleetlink.agent.gpu.timeout}. A plain file (tests, a saved log) reads to its end
 * the same way. Blocking.
 */
@ApplicationScoped
public class LinuxKernelLog implements KernelLog {

    /** The setting's value that turns the kernel log off (no Xid check). */
    public static final String NONE = "none";

    static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    /** {@code prio,seq,usec,flags[,more];message} (Documentation/ABI/testing/dev-kmsg). */
    private static final Pattern KMSG = Pattern.compile("^(\\d+),(\\d+),(\\d+),[^;]*;(.*)$");

    /** dd's words for: the non-blocking read found nothing more (EAGAIN), and: records were overwritten (EPIPE). */
    private static final String EAGAIN = "Resource temporarily unavailable";
    private static final String EPIPE = "Broken pipe";

    private static final ScheduledExecutorService DEADLINES =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fleetlink-kernel-log-deadline"));

    /** The threads that read dd's output; one stuck on a pipe that never closes is left behind, not waited for. */
    private static final java.util.concurrent.ExecutorService READERS =
            Executors.newCachedThreadPool(DaemonThreads.named("fleetlink-kernel-log-reader"));

    private final String source;
    private final Duration timeout;
    private final String dd;

    @Inject
    public LinuxKernelLog(AgentConfig config) {
        this(config.gpu().kernelLog(), config.gpu().timeout());
    }

    public LinuxKernelLog(String source, Duration timeout) {
        this(source, timeout, "dd");
    }

    /** With another {@code dd} program (a path or a name on PATH), for tests that make the read hang. */
    public LinuxKernelLog(String source, Duration timeout, String dd) {
        this.source = source;
        this.timeout = timeout;
        this.dd = dd;
    }

    @Override
    public boolean configured() {
        return !source.isBlank() && !NONE.equals(source);
    }

    @Override
    public String bootId() {
        try {
            return Files.readString(BOOT_ID).strip();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public Read read(long afterSeq, String contains) {
        String boot = bootId();
        Optional<Path> dd = Executables.find(this.dd);
        if (dd.isEmpty()) {
            return Read.failed("cannot read the kernel log " + source + ": dd not found on the agent's PATH", false, boot);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Read read = readOnce(dd.get(), afterSeq, contains, boot, deadline);
        // EPIPE: the ring buffer overwrote the records between open and read; a second open starts at
        // the oldest record still there, which is all there is left to read.
        if (!read.ok() && read.error().contains(EPIPE) && System.nanoTime() < deadline) {
            read = readOnce(dd.get(), afterSeq, contains, boot, deadline);
        }
        return read;
    }

    /** What the reader thread made of dd's output. */
    private record Parsed(List<Entry> entries, long lastSeq) {
    }

    private Read readOnce(Path dd, long afterSeq, String contains, String boot, long deadline) {
        ProcessBuilder builder = new ProcessBuilder(dd.toString(), "if=" + source, "iflag=nonblock", "bs=65536", "status=none")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return Read.failed("cannot read the kernel log " + source + ": " + e.getMessage(), false, boot);
        }
        AtomicBoolean killed = new AtomicBoolean();
        ScheduledFuture<?> watchdog = DEADLINES.schedule(() -> {
            killed.set(true);
            process.destroyForcibly();
        }, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        // The output is read on a thread of its own and waited for only until the deadline: killing dd
        // ends its output only when nothing else holds the pipe and dd can die (not in an uninterruptible
        // read of a hung file system, say), and the cleanup must not wait for either.
        CompletableFuture<Parsed> parsed = CompletableFuture.supplyAsync(() -> parse(process.getInputStream(), afterSeq, contains),
                READERS);
        CompletableFuture<byte[]> stderrBytes = CompletableFuture.supplyAsync(() -> limited(process.getErrorStream()), READERS);
        try {
            Parsed found = parsed.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!process.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) || killed.get()) {
                return timedOut(boot);
            }
            String stderr = new String(stderrBytes.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS),
                    StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0 && !stderr.contains(EAGAIN)) {
                return Read.failed("cannot read the kernel log " + source + " (fleetlink.agent.gpu.kernel-log): "
                        + (stderr.isEmpty() ? "dd exited with " + process.exitValue() : stderr), false, boot);
            }
            return new Read(List.copyOf(found.entries()), found.lastSeq(), boot, null, false);
        } catch (TimeoutException e) {
            return timedOut(boot);
        } catch (ExecutionException e) {
            return killed.get() ? timedOut(boot)
                    : Read.failed("cannot read the kernel log " + source + ": " + e.getCause().getMessage(), false, boot);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Read.failed("reading the kernel log " + source + " was interrupted", false, boot);
        } finally {
            watchdog.cancel(false);
            process.destroyForcibly();
        }
    }

    private Read timedOut(String boot) {
        return Read.failed("the kernel log " + source + " was not read within " + timeout.toMillis()
                + " ms (fleetlink.agent.gpu.timeout)", true, boot);
    }

    /** The records of dd's output after {@code afterSeq} whose message contains {@code contains}. */
    private static Parsed parse(InputStream output, long afterSeq, String contains) {
        List<Entry> entries = new ArrayList<>();
        long lastSeq = -1;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
            long lineNumber = 0;
            String line;
            while ((line = lines.readLine()) != null) {
                lineNumber++;
                if (line.startsWith(" ")) {
                    continue; // a kmsg dictionary line (" SUBSYSTEM=pci") belongs to the record before it
                }
                Matcher kmsg = KMSG.matcher(line);
                long seq = kmsg.matches() ? Long.parseLong(kmsg.group(2)) : lineNumber;
                String message = kmsg.matches() ? kmsg.group(4) : line;
                lastSeq = Math.max(lastSeq, seq);
                if (seq > afterSeq && message.contains(contains)) {
                    entries.add(new Entry(seq, message));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Parsed(entries, lastSeq);
    }

    private static byte[] limited(InputStream stream) {
        try (stream) {
            byte[] kept = stream.readNBytes(4096);
            stream.transferTo(java.io.OutputStream.nullOutputStream());
            return kept;
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
