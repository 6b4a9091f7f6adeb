package io.fleetlink.agent.handler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.state.RequestJournal;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.web.RequestIds;
import io.grpc.Status;
import io.quarkus.logging.Log;

/**
 * Binds a mutating request's id to its one run. A request id runs once, whatever happens:
 * <ul>
 * <li>the id stays bound from the moment it is claimed until its run ends, however long that takes
 * (past {@code operation-timeout} too); a retry with the same id (same operation, same body) joins the
 * running work or gets its stored result, and never starts a second run;</li>
 * <li>a request refused before it ran (stale epoch, a state file that cannot be written) frees the id
 * ({@link Run#rejected}); the caller may send it again;</li>
 * <li>a run that ended, with a reply or with a failure, is the id's result ({@link Run#finished},
 * {@link Run#failed}) for {@code retention}, kept in {@link RequestJournal} so an agent restart does
 * not forget it;</li>
 * <li>a run the journal saw start but never finish was interrupted by an agent restart: it is never run
 * again by itself; a retry gets 409 ({@code ABORTED} over gRPC) "interrupted by an agent restart;
 * result unknown", since only the caller can tell whether running it twice is safe.</li>
 * </ul>
 */
public final class IdempotencyCache {

    /** What a finished run answered when it failed, as the caller was told it. */
    record Failure(int code, String grpcStatus, String message) {

        static Failure of(Throwable failure) {
            if (failure instanceof AgentException agent) {
                return new Failure(agent.code(), agent.grpcStatus() == null ? null : agent.grpcStatus().name(), agent.getMessage());
            }
            return new Failure(500, null, "internal error: " + failure.getClass().getSimpleName() + "; see the agent log for details");
        }

        AgentException toException() {
            AgentException exception = new AgentException(code, message);
            return grpcStatus == null ? exception : exception.withGrpcStatus(Status.Code.valueOf(grpcStatus));
        }
    }

    /** How a claim is to be served: {@code owner} runs it, everyone else waits for (or replays) its outcome. */
    public record Claim(Run run, boolean owner) {
    }

    /** One execution bound to a request id (or to none: {@link #unbound}). */
    public final class Run {

        private final String id;
        private final AgentRpc operation;
        private final String fingerprint;
        private final CompletableFuture<Object> outcome = new CompletableFuture<>();
        private boolean journaled;
        private Instant finishedAt;
        private JsonNode reply;
        private Failure failure;
        private volatile String summary;

        private Run(String id, AgentRpc operation, String fingerprint) {
            this.id = id;
            this.operation = operation;
            this.fingerprint = fingerprint;
        }

        public Optional<String> requestId() {
            return Optional.ofNullable(id);
        }

        public AgentRpc operation() {
            return operation;
        }

        /** How the run ended, for the audit log; null while it runs. */
        public String summary() {
            return summary;
        }

        /**
         * Completes when the run ends with its reply (an object, or its JSON when it was read back from
         * the journal) or its failure. A copy: a caller cancelling it cannot complete the run.
         */
        public CompletableFuture<Object> outcome() {
            return outcome.thenApply(Function.identity());
        }

        /** The work is about to start: recorded (and flushed) first, so a restart knows it may have run. */
        public void started() {
            if (id == null || journal == null) {
                return;
            }
            journal.append(record("started", this, clock.instant()), () -> {
                synchronized (IdempotencyCache.this) {
                    journaled = true;
                }
            });
        }

        /** The run ended with {@code value}: stored as the id's result, then handed to every waiter. */
        public void finished(Object value, String summary) {
            end(json.valueToTree(value), null, summary);
            outcome.complete(value);
        }

        /** The run failed while it ran: the failure is the id's result, as a reply would be. */
        public void failed(Throwable cause, String summary) {
            end(null, Failure.of(cause), summary);
            outcome.completeExceptionally(cause);
        }

        /** Refused before it ran: the id is free again, and whoever waited gets the refusal. */
        public void rejected(Throwable cause) {
            this.summary = "rejected";
            if (id != null) {
                synchronized (IdempotencyCache.this) {
                    running.remove(id, this);
                }
            }
            outcome.completeExceptionally(cause);
        }

        private void end(JsonNode reply, Failure failure, String summary) {
            this.summary = summary;
            if (id == null) {
                return;
            }
            Instant now = clock.instant();
            synchronized (IdempotencyCache.this) {
                this.reply = reply;
                this.failure = failure;
                this.finishedAt = now;
                running.remove(id, this);
                finished.put(id, this);
                evict(now);
            }
            if (journal != null) {
                try {
                    journal.append(finishedRecord(this), () -> {
                    });
                    compactIfLarge();
                } catch (RuntimeException e) {
                    // The result is still kept in memory; only a restart would forget it.
                    Log.errorf(e, "cannot record the result of request %s in the journal", id);
                }
            }
        }
    }

    private final Duration retention;
    private final int maxEntries;
    private final Clock clock;
    private final ObjectMapper json;
    private final RequestJournal journal;
    private final Map<String, Run> running = new HashMap<>();
    /** Finished runs in the order they finished, so expiry and the size cap drop the oldest first. */
    private final LinkedHashMap<String, Run> finished = new LinkedHashMap<>();

    /**
     * @param journal where results outlive a restart; null keeps them in memory only. Read now: runs it
     *        saw start and never finish become "interrupted" results.
     */
    public IdempotencyCache(Duration retention, int maxEntries, Clock clock, ObjectMapper json, RequestJournal journal) {
        this.retention = retention;
        this.maxEntries = maxEntries;
        this.clock = clock;
        this.json = json;
        this.journal = journal;
        if (journal != null) {
            load();
            journal.rewrite(this::snapshot);
        }
    }

    /**
     * Binds {@code requestId} to a new run (then the caller is its owner and must end it) or returns the
     * run already bound to it.
     *
     * @throws AgentException 409 when the id is bound to another operation or another body
     */
    public synchronized Claim claim(String requestId, AgentRpc operation, byte[] fingerprint) {
        evict(clock.instant());
        String print = Base64.getEncoder().encodeToString(fingerprint);
        Run run = running.get(requestId);
        if (run == null) {
            run = finished.get(requestId);
        }
        if (run != null) {
            if (run.operation != operation || !run.fingerprint.equals(print)) {
                throw AgentException.conflict(RequestIds.HEADER + " " + requestId + " was already used for a different "
                        + (run.operation == operation ? "request body" : "operation (" + run.operation.configName() + ")")
                        + "; use a new request id for a new request");
            }
            return new Claim(run, false);
        }
        run = new Run(requestId, operation, print);
        running.put(requestId, run);
        return new Claim(run, true);
    }

    /** A run bound to no id: nothing to replay, nothing journaled. */
    public Run unbound(AgentRpc operation) {
        return new Run(null, operation, "");
    }

    /** Ids bound to a run that has not ended. */
    public synchronized int running() {
        return running.size();
    }

    static String interruptedMessage(AgentRpc operation, String requestId) {
        return operation.configName() + " request " + requestId + " was interrupted by an agent restart; result unknown: "
                + "it may have run in part or in full. Check the machine, then send a new " + RequestIds.HEADER
                + " to run it again";
    }

    private void evict(Instant now) {
        Instant oldest = now.minus(retention);
        Iterator<Run> it = finished.values().iterator();
        while (it.hasNext()) {
            Run run = it.next();
            if (run.finishedAt.isBefore(oldest) || finished.size() > maxEntries) {
                it.remove();
            } else {
                break;
            }
        }
    }

    private void compactIfLarge() {
        int live;
        synchronized (this) {
            live = running.size() + finished.size();
        }
        if (journal.appendedSinceRewrite() > 2 * live + 1000) {
            journal.rewrite(this::snapshot);
        }
    }

    /** The records a rewritten journal holds: every kept result and every run that started and has not ended. */
    private synchronized List<ObjectNode> snapshot() {
        evict(clock.instant());
        List<ObjectNode> records = new ArrayList<>();
        finished.values().forEach(run -> records.add(finishedRecord(run)));
        running.values().stream()
                .filter(run -> run.journaled)
                .forEach(run -> records.add(record("started", run, clock.instant())));
        return records;
    }

    private ObjectNode record(String event, Run run, Instant at) {
        ObjectNode record = json.createObjectNode();
        record.put("event", event);
        record.put("id", run.id);
        record.put("operation", run.operation.configName());
        record.put("fingerprint", run.fingerprint);
        record.put("at", at.toString());
        return record;
    }

    private ObjectNode finishedRecord(Run run) {
        ObjectNode record = record("finished", run, run.finishedAt);
        record.put("summary", run.summary);
        if (run.failure != null) {
            ObjectNode error = record.putObject("error");
            error.put("code", run.failure.code());
            if (run.failure.grpcStatus() != null) {
                error.put("grpc_status", run.failure.grpcStatus());
            }
            error.put("message", run.failure.message());
        } else {
            record.set("reply", run.reply);
        }
        return record;
    }

    private void load() {
        Map<String, ObjectNode> latest = new LinkedHashMap<>();
        for (ObjectNode record : journal.read()) {
            String id = record.path("id").asText(null);
            if (id != null) {
                latest.remove(id);
                latest.put(id, record);
            }
        }
        Instant now = clock.instant();
        List<Run> interrupted = new ArrayList<>();
        synchronized (this) {
            for (Map.Entry<String, ObjectNode> entry : latest.entrySet()) {
                ObjectNode record = entry.getValue();
                Optional<AgentRpc> operation = operation(record.path("operation").asText(""));
                if (operation.isEmpty()) {
                    Log.warnf("%s: skipping request %s of unknown operation '%s'", journal.file(), entry.getKey(),
                            record.path("operation").asText(""));
                    continue;
                }
                Run run = new Run(entry.getKey(), operation.get(), record.path("fingerprint").asText(""));
                if ("finished".equals(record.path("event").asText())) {
                    run.finishedAt = instant(record.path("at").asText(""), now);
                    run.summary = record.path("summary").asText("ok");
                    JsonNode error = record.get("error");
                    if (error != null) {
                        run.failure = new Failure(error.path("code").asInt(500), error.path("grpc_status").asText(null),
                                error.path("message").asText(""));
                        run.outcome.completeExceptionally(run.failure.toException());
                    } else {
                        run.reply = record.get("reply");
                        run.outcome.complete(run.reply);
                    }
                    finished.put(run.id, run);
                } else {
                    run.finishedAt = now;
                    run.summary = "interrupted";
                    run.failure = new Failure(409, Status.Code.ABORTED.name(), interruptedMessage(run.operation, run.id));
                    run.outcome.completeExceptionally(run.failure.toException());
                    interrupted.add(run);
                }
            }
            // Interrupted runs are discovered now: their retention starts now.
            interrupted.forEach(run -> finished.put(run.id, run));
            evict(now);
        }
        interrupted.forEach(run -> Log.warnf("Request %s (%s) started before the agent restarted and never finished; "
                + "its retries are answered 409: result unknown", run.id, run.operation.configName()));
    }

    private static Optional<AgentRpc> operation(String name) {
        for (AgentRpc rpc : AgentRpc.values()) {
            if (rpc.configName().equals(name)) {
                return Optional.of(rpc);
            }
        }
        return Optional.empty();
    }

    private static Instant instant(String text, Instant fallback) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }
}
