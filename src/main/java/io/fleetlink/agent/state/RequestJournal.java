package io.fleetlink.agent.state;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.logging.Log;

/**
 * {@code <state-dir>/requests.jsonl}: one JSON object per line recording that a request id started or
 * finished (with its reply), so that a retry after an agent restart is answered from here instead of
 * running again. Every append is flushed to disk before it returns; {@link #rewrite} replaces the file
 * atomically with only the records still needed (compaction). What the records mean is
 * {@code handler/IdempotencyCache}'s business; this class only keeps lines. Blocking.
 */
public final class RequestJournal implements AutoCloseable {

    public static final String FILE = "requests.jsonl";

    private final Path dir;
    private final ObjectMapper json;
    private FileChannel channel;
    private int appended;

    private RequestJournal(Path dir, ObjectMapper json) {
        this.dir = dir;
        this.json = json;
    }

    /** Opens the journal in {@code dir} (created when missing). */
    public static RequestJournal open(Path dir, ObjectMapper json) {
        try {
            StateFiles.ensureDirectory(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot use " + dir + " (fleetlink.agent.state-dir): " + e.getMessage(), e);
        }
        return new RequestJournal(dir, json);
    }

    public Path file() {
        return dir.resolve(FILE);
    }

    /**
     * Every record in the file, oldest first. A last line that does not parse is an append cut short by
     * a crash and is skipped (it was never flushed, so the work it announced never started); a bad
     * line anywhere else means the file was damaged, and start-up stops rather than forget results.
     */
    public synchronized List<ObjectNode> read() {
        Path file = file();
        List<ObjectNode> records = new ArrayList<>();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return records;
        }
        try {
            StateFiles.checkFile(file);
            List<String> lines = new ArrayList<>();
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode node = json.readTree(line);
                    if (!(node instanceof ObjectNode object)) {
                        throw new IOException("not a JSON object");
                    }
                    records.add(object);
                } catch (IOException e) {
                    if (i == lines.size() - 1) {
                        Log.warnf("%s: skipping its last line, cut short (an append interrupted by a crash)", file);
                        continue;
                    }
                    throw new IllegalStateException(file + " (fleetlink.agent.state-dir) is corrupt at line " + (i + 1)
                            + ": " + e.getMessage() + ". The agent will not forget which requests ran: move the file away "
                            + "to start without it (retries of earlier requests will then run again)", e);
                }
            }
            return records;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + " (fleetlink.agent.state-dir): " + e.getMessage(), e);
        }
    }

    /** Appends {@code record} and flushes it to disk, then runs {@code then} still holding the journal's lock. */
    public synchronized void append(ObjectNode record, Runnable then) {
        try {
            if (channel == null) {
                channel = FileChannel.open(file(), EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(StateFiles.OWNER_ONLY_FILE));
            }
            ByteBuffer buffer = ByteBuffer.wrap((json.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
            appended++;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a journal record", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file() + " (fleetlink.agent.state-dir)", e);
        }
        then.run();
    }

    /** Lines appended since the file was last rewritten. */
    public synchronized int appendedSinceRewrite() {
        return appended;
    }

    /**
     * Replaces the file with {@code records} (temp file, fsync, rename, fsync directory); the records
     * are taken from {@code snapshot} while the journal's lock is held, so no append falls in between.
     */
    public synchronized void rewrite(java.util.function.Supplier<List<ObjectNode>> snapshot) {
        StringBuilder content = new StringBuilder();
        try {
            for (ObjectNode record : snapshot.get()) {
                content.append(json.writeValueAsString(record)).append('\n');
            }
            if (channel != null) {
                channel.close();
                channel = null;
            }
            StateFiles.writeAtomically(dir, FILE, content.toString().getBytes(StandardCharsets.UTF_8));
            appended = 0;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a journal record", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file() + " (fleetlink.agent.state-dir)", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
