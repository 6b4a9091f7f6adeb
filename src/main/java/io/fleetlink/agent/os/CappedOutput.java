package io.fleetlink.agent.os;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Reads a child's output stream to its end on its own thread, keeping at most {@code cap} bytes and
 * discarding (but still reading) the rest, so a chatty child never blocks on a full pipe. What was
 * kept can be taken at any time, also while a stray grandchild still holds the pipe open.
 */
public final class CappedOutput {

    private final int cap;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final CountDownLatch ended = new CountDownLatch(1);
    private boolean truncated;

    private CappedOutput(int cap) {
        this.cap = cap;
    }

    /** Starts draining {@code in} on {@code executor}; the stream is closed at its end. */
    public static CappedOutput drain(InputStream in, int cap, Executor executor) {
        CappedOutput output = new CappedOutput(cap);
        executor.execute(() -> output.readAll(in));
        return output;
    }

    /** Waits up to {@code timeout} for the end of the stream; false if it is still open. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** The kept bytes as UTF-8; a character the cap cut in half is dropped rather than mangled. */
    public synchronized String text() {
        byte[] bytes = kept.toByteArray();
        int end = truncated ? completeUtf8Prefix(bytes) : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** Whether output beyond the cap was dropped. */
    public synchronized boolean truncated() {
        return truncated;
    }

    private void readAll(InputStream in) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                keep(buffer, n);
            }
        } catch (IOException e) {
            // The pipe was closed under us (the process was killed); what was read stays.
        } finally {
            ended.countDown();
        }
    }

    private synchronized void keep(byte[] buffer, int n) {
        int room = cap - kept.size();
        if (n > room) {
            truncated = true;
        }
        if (room > 0) {
            kept.write(buffer, 0, Math.min(n, room));
        }
    }

    /** Length of {@code bytes} without a trailing, incomplete UTF-8 sequence. */
    static int completeUtf8Prefix(byte[] bytes) {
        int length = bytes.length;
        // A sequence is at most 4 bytes: look back at most 3 for its lead byte.
        for (int back = 1; back <= Math.min(4, length); back++) {
            int b = bytes[length - back] & 0xff;
            if ((b & 0xc0) == 0x80) {
                continue; // continuation byte
            }
            int needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            return needed > back ? length - back : length;
        }
        return length;
    }
}
