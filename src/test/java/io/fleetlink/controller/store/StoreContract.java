package io.fleetlink.controller.store;

import static io.fleetlink.support.ControllerApiClient.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.config.StoreConfig;
import io.fleetlink.controller.callback.CallbackEvent;
import io.fleetlink.controller.callback.OutboxRepository;
import io.fleetlink.controller.host.Host;
import io.fleetlink.controller.host.HostRepository;
import io.fleetlink.controller.host.HostState;
import io.fleetlink.controller.host.Reachability;
import io.fleetlink.controller.operation.LeaseLostException;
import io.fleetlink.controller.operation.Operation;
import io.fleetlink.controller.operation.OperationPayload;
import io.fleetlink.controller.operation.OperationRepository;
import io.fleetlink.controller.operation.OperationStatus;
import io.fleetlink.controller.operation.OperationType;
import io.fleetlink.controller.operation.PipelineRunner;
import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.FakeAgent;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;

/**
 * The same repository and pipeline assertions against each store kind: one SQL code path must behave
 * the same on H2 and PostgreSQL, leases and {@code SKIP LOCKED} included.
 */
abstract class StoreContract {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl tenant@example";

    static FakeAgent agent;

    @Inject
    Store store;

    @Inject
    OperationRepository operations;

    @Inject
    HostRepository hosts;

    @Inject
    OutboxRepository outbox;

    @Inject
    PipelineRunner runner;

    @Inject
    io.fleetlink.controller.operation.JobLeases jobs;

    @Inject
    io.fleetlink.controller.callback.CallbackSender sender;

    abstract StoreConfig.Kind expectedKind();

    /** Skips or fails (in CI) when the store's real part is missing. */
    void requireStore() {
    }

    @BeforeAll
    static void startParts() {
        agent = new FakeAgent();
        CallbackReceiver.start();
    }

    @AfterAll
    static void stopParts() {
        agent.close();
    }

    @BeforeEach
    void checkStore() {
        requireStore();
    }

    @Test
    void theConfiguredStoreIsMigrated() {
        assertThat(store.kind()).isEqualTo(expectedKind());
        for (String table : List.of("hosts", "allocations", "tasks", "operations", "outbox")) {
            Long rows = Sql.query(store.pool(), "SELECT COUNT(*) AS n FROM " + table, Sql.params())
                    .map(set -> set.iterator().next().getLong("n"))
                    .await().atMost(WAIT);
            assertThat(rows).as(table).isNotNull();
        }
    }

    @Test
    void aDuplicateHostIsReportedAsAUniqueViolation() {
        Host host = host("dup-" + suffix(), 1);
        hosts.insert(store.pool(), host).await().atMost(WAIT);

        assertThatThrownBy(() -> hosts.insert(store.pool(), host).await().atMost(WAIT))
                .satisfies(e -> assertThat(Sql.isUniqueViolation(e)).as("unique violation: %s", e).isTrue());
    }

    @Test
    void aClaimIsExclusiveAndALapsedLeaseIsTakenOver() {
        Operation op = Operation.pending(OperationType.TASK_STOP, "lease-" + suffix(), "nowhere",
                OperationPayload.taskStop("t", 1L));
        operations.insert(store.pool(), op).await().atMost(WAIT);
        postpone(op.operationId(), Instant.now().plusSeconds(3600)); // out of the resume job's way
        Instant now = Sql.now();

        Operation mine = operations.claim(store.pool(), op.operationId(), "replica-a", now, now.plusSeconds(60), true)
                .await().atMost(WAIT);
        assertThat(mine.status()).isEqualTo(OperationStatus.RUNNING);
        assertThat(mine.runs()).as("claims").isEqualTo(1);
        assertThat(mine.attempts()).as("agent call attempts").isZero();
        assertThat(operations.claim(store.pool(), op.operationId(), "replica-b", now, now.plusSeconds(60), true)
                .await().atMost(WAIT)).isNull();
        assertThatThrownBy(() -> operations.finish(store.pool(), op.operationId(), "replica-b", OperationStatus.SUCCEEDED,
                null, now).await().atMost(WAIT)).isInstanceOf(LeaseLostException.class);

        // replica-a dies: once its lease lapses, replica-b may take over, and replica-a may no longer write.
        Instant later = now.plusSeconds(61);
        Operation taken = operations.claim(store.pool(), op.operationId(), "replica-b", later, later.plusSeconds(60), false)
                .await().atMost(WAIT);
        assertThat(taken.runs()).isEqualTo(2);
        assertThatThrownBy(() -> operations.finish(store.pool(), op.operationId(), "replica-a", OperationStatus.SUCCEEDED,
                null, later).await().atMost(WAIT)).isInstanceOf(LeaseLostException.class);
        operations.finish(store.pool(), op.operationId(), "replica-b", OperationStatus.SUCCEEDED, null, later)
                .await().atMost(WAIT);

        Operation done = operations.find(store.pool(), op.operationId()).await().atMost(WAIT);
        assertThat(done.status()).isEqualTo(OperationStatus.SUCCEEDED);
        assertThat(done.finishedAt()).isNotNull();
    }

    @Test
    void replicasLookingForDueWorkAtOnceGetDifferentOperations() {
        Instant future = Instant.now().plusSeconds(3600);
        List<String> mine = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Operation op = Operation.pending(OperationType.TASK_STOP, "skip-" + suffix(), "nowhere",
                    OperationPayload.taskStop("t", 1L));
            operations.insert(store.pool(), op).await().atMost(WAIT);
            postpone(op.operationId(), future);
            mine.add(op.operationId());
        }
        Instant lookAt = future.plusSeconds(1);

        SqlConnection first = store.pool().getConnection().await().atMost(WAIT);
        SqlConnection second = store.pool().getConnection().await().atMost(WAIT);
        try {
            Transaction firstTx = first.begin().await().atMost(WAIT);
            List<String> firstLocked = operations.lockDue(first, lookAt, 2).await().atMost(WAIT);
            Transaction secondTx = second.begin().await().atMost(WAIT);
            List<String> secondLocked = operations.lockDue(second, lookAt, 1000).await().atMost(WAIT);

            assertThat(firstLocked).hasSize(2);
            assertThat(secondLocked).doesNotContainAnyElementsOf(firstLocked);
            if (expectedKind() == StoreConfig.Kind.POSTGRESQL) {
                // H2 locks every row its ORDER BY reads, so its second look may come back empty; that is fine for
                // the embedded store, whose file only one controller process can open.
                assertThat(secondLocked).containsAll(mine.stream().filter(id -> !firstLocked.contains(id)).toList());
            }
            firstTx.rollback().await().atMost(WAIT);
            secondTx.rollback().await().atMost(WAIT);
        } finally {
            first.close().await().atMost(WAIT);
            second.close().await().atMost(WAIT);
            mine.forEach(id -> Sql.update(store.pool(), "DELETE FROM operations WHERE operation_id = #{id}",
                    Sql.params("id", id)).await().atMost(WAIT));
        }
    }

    @Test
    void outboxEventsAreClaimedByOneSenderAtATime() {
        Instant future = Instant.now().plusSeconds(3600);
        CallbackEvent event = CallbackEvent.task(CallbackEvent.TASK_STOPPED, "outbox-" + suffix(), "h", "STOPPED", null,
                future.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        store.inTransaction(tx -> outbox.add(tx, event)).await().atMost(WAIT);
        Instant lookAt = future.plusSeconds(1);
        try {
            List<OutboxRepository.Pending> claimed = store.inTransaction(tx -> outbox.claimDue(tx, lookAt,
                    lookAt.plusSeconds(60), 1000)).await().atMost(WAIT);
            assertThat(claimed).extracting(OutboxRepository.Pending::eventId).contains(event.eventId());
            assertThat(claimed.stream().filter(p -> p.eventId().equals(event.eventId())).findFirst().orElseThrow().body())
                    .contains("\"task_id\":\"" + event.taskId() + "\"");

            // Claimed: its next attempt moved past the claim, so another sender looking now gets nothing of it.
            List<OutboxRepository.Pending> again = store.inTransaction(tx -> outbox.claimDue(tx, lookAt,
                    lookAt.plusSeconds(60), 1000)).await().atMost(WAIT);
            assertThat(again).extracting(OutboxRepository.Pending::eventId).doesNotContain(event.eventId());
        } finally {
            Sql.update(store.pool(), "DELETE FROM outbox WHERE event_id = #{id}", Sql.params("id", event.eventId()))
                    .await().atMost(WAIT);
        }
    }

    @Test
    void aDrainedHostIsNotAllocatedAndKeepsItsReasonUntilUndrained() {
        Host host = host("drain-" + suffix(), 1);
        hosts.insert(store.pool(), host).await().atMost(WAIT);
        Instant now = Sql.now();
        assertThat(hosts.drain(store.pool(), host.hostId(), "maintenance", now).await().atMost(WAIT)).isTrue();
        assertThat(hosts.drain(store.pool(), host.hostId(), "still maintenance", now.plusSeconds(1)).await().atMost(WAIT))
                .as("a repeated drain is not a new drain").isFalse();
        Host drained = hosts.find(store.pool(), host.hostId()).await().atMost(WAIT);
        assertThat(drained.drained()).isTrue();
        assertThat(drained.drainReason()).isEqualTo("still maintenance");
        assertThat(drained.drainedAt()).isEqualTo(now);
        assertThat(hosts.allocate(store.pool(), host.hostId(), UUID.randomUUID().toString(), now).await().atMost(WAIT))
                .as("a drained AVAILABLE host is not allocated").isNull();
        assertThat(hosts.undrain(store.pool(), host.hostId(), now).await().atMost(WAIT)).isTrue();
        assertThat(hosts.undrain(store.pool(), host.hostId(), now).await().atMost(WAIT)).isFalse();
        Host back = hosts.find(store.pool(), host.hostId()).await().atMost(WAIT);
        assertThat(back.drained()).isFalse();
        assertThat(back.drainReason()).isNull();
        assertThat(hosts.allocate(store.pool(), host.hostId(), UUID.randomUUID().toString(), now).await().atMost(WAIT))
                .as("allocated, with a new epoch").isNotNull();
    }

    @Test
    void allocateAndReleaseEndToEndThroughTheApi() {
        String hostId = registerFakeHost();
        agent.resetSshSucceeds("fltenant").cleanupSucceeds();

        Map<String, Object> accepted = api().body(Map.of("host_id", hostId, "user", "fltenant", "ssh_public_keys", List.of(KEY)))
                .when().post("/api/v1/allocations")
                .then().statusCode(202)
                .extract().jsonPath().getMap("data");
        String allocationId = (String) accepted.get("allocation_id");
        String provisionOp = (String) accepted.get("operation_id");
        assertThat(accepted.get("status")).isEqualTo("PROVISIONING");

        awaitAllocation(allocationId, "READY");
        api().when().get("/api/v1/hosts/" + hostId).then().statusCode(200)
                .body("data.state", org.hamcrest.Matchers.equalTo("ALLOCATED"))
                .body("data.allocation_id", org.hamcrest.Matchers.equalTo(allocationId));

        String releaseOp = api().when().post("/api/v1/allocations/" + allocationId + "/release")
                .then().statusCode(202)
                .body("data.status", org.hamcrest.Matchers.equalTo("RELEASING"))
                .extract().jsonPath().getString("data.operation_id");
        awaitAllocation(allocationId, "RELEASED");
        api().when().get("/api/v1/hosts/" + hostId).then().statusCode(200)
                .body("data.state", org.hamcrest.Matchers.equalTo("AVAILABLE"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(CallbackReceiver.eventsFor(allocationId))
                .extracting(e -> e.get("type"))
                .containsExactlyInAnyOrder("allocation.ready", "allocation.released"));
        assertThat(agent.requests("/api/v1/ssh/reset", provisionOp)).isEqualTo(1);
        assertThat(agent.requests("/api/v1/machine/cleanup", releaseOp)).isEqualTo(1);
        api().when().get("/api/v1/operations?target=" + allocationId).then().statusCode(200)
                .body("data.type", org.hamcrest.Matchers.containsInAnyOrder("allocation.provision", "allocation.release"))
                .body("data.status", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.equalTo("SUCCEEDED")));
    }

    @Test
    void anOperationLeftRunningByADeadReplicaIsResumedAndFinishedOnce() {
        String hostId = registerFakeHost();
        agent.resetSshSucceeds("flresume");
        String allocationId = UUID.randomUUID().toString();
        String opId = UUID.randomUUID().toString();
        Instant past = Instant.now().minusSeconds(600);
        // What a replica that crashed right after claiming the provisioning leaves behind.
        store.inTransaction(tx -> Sql.update(tx, "UPDATE hosts SET state = 'ALLOCATED', allocation_id = #{a} WHERE host_id = #{h}",
                        Sql.params("a", allocationId, "h", hostId))
                .chain(() -> Sql.update(tx, "INSERT INTO allocations (allocation_id, host_id, user_name, ssh_public_keys, status, "
                        + "error_message, operation_id, created_at, updated_at) VALUES (#{a}, #{h}, 'flresume', #{keys}, "
                        + "'PROVISIONING', NULL, #{op}, #{t}, #{t})",
                        Sql.params("a", allocationId, "h", hostId, "keys", "[\"" + KEY + "\"]", "op", opId, "t", Sql.ts(past))))
                .chain(() -> Sql.update(tx, "INSERT INTO operations (operation_id, op_type, target, host_id, payload, status, "
                        + "attempts, last_error, claimed_by, lease_until, next_attempt_at, created_at, updated_at, finished_at) "
                        + "VALUES (#{op}, 'allocation.provision', #{a}, #{h}, #{payload}, 'RUNNING', 1, NULL, 'dead-replica', "
                        + "#{lease}, #{t}, #{t}, #{t}, NULL)",
                        Sql.params("op", opId, "a", allocationId, "h", hostId, "t", Sql.ts(past),
                                "lease", Sql.ts(past.plusSeconds(30)),
                                "payload", "{\"allocation_id\":\"" + allocationId + "\",\"user\":\"flresume\","
                                        + "\"ssh_public_keys\":[\"" + KEY + "\"]}"))))
                .await().atMost(WAIT);

        runner.resumeDue().await().atMost(WAIT);
        awaitAllocation(allocationId, "READY");
        runner.resumeDue().await().atMost(WAIT);
        runner.resumeDue().await().atMost(WAIT);

        Operation op = operations.find(store.pool(), opId).await().atMost(WAIT);
        assertThat(op.status()).isEqualTo(OperationStatus.SUCCEEDED);
        assertThat(op.runs()).as("claims: the dead replica's and the resume").isEqualTo(2);
        assertThat(op.attempts()).as("agent call attempts: only the resumed run called the agent").isEqualTo(1);
        assertThat(agent.requests("/api/v1/ssh/reset", opId)).isEqualTo(1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(CallbackReceiver.eventsFor(allocationId))
                .extracting(e -> e.get("type"))
                .containsExactly("allocation.ready"));
    }

    @Test
    void aReplicaStartingUnderItsNameReclaimsItsRunningOperationsAtOnce() {
        String hostId = registerFakeHost();
        agent.resetSshSucceeds("flreclaim");
        String allocationId = UUID.randomUUID().toString();
        String mine = UUID.randomUUID().toString();
        String others = UUID.randomUUID().toString();
        Instant now = Instant.now();
        // What this replica's predecessor (same name) left when it was killed: a lease that runs for an hour more.
        insertRunningProvision(hostId, allocationId, mine, runner.replicaId(), now.plusSeconds(3600));
        insertRunningOperation(others, "elsewhere-" + suffix(), "another-live-replica", now.plusSeconds(3600));
        try {
            int reclaimed = runner.reclaimOwn().await().atMost(WAIT);
            if (expectedKind() != StoreConfig.Kind.POSTGRESQL) {
                Sql.update(store.pool(), "DELETE FROM operations WHERE operation_id = #{id}", Sql.params("id", others))
                        .await().atMost(WAIT); // reclaimed too on H2 (asserted below); not for this test to run
            }
            runner.resumeDue().await().atMost(WAIT);
            awaitAllocation(allocationId, "READY");
            assertThat(operations.find(store.pool(), mine).await().atMost(WAIT).status()).isEqualTo(OperationStatus.SUCCEEDED);
            if (expectedKind() == StoreConfig.Kind.POSTGRESQL) {
                // Another live replica's work is left alone until its lease lapses.
                assertThat(reclaimed).isEqualTo(1);
                assertThat(operations.find(store.pool(), others).await().atMost(WAIT).status()).isEqualTo(OperationStatus.RUNNING);
            } else {
                // Only one process can have the embedded store open: whatever is RUNNING at start-up is orphaned.
                assertThat(reclaimed).isGreaterThanOrEqualTo(2);
            }
        } finally {
            Sql.update(store.pool(), "DELETE FROM operations WHERE operation_id = #{id}", Sql.params("id", others))
                    .await().atMost(WAIT);
        }
    }

    @Test
    void oneReplicaAtATimeHoldsAFleetJobAndAnotherTakesItOnceItLapses() {
        String job = "test-job-" + suffix();
        Sql.update(store.pool(), "INSERT INTO job_leases (job_name, holder, lease_until) VALUES (#{job}, NULL, #{past})",
                Sql.params("job", job, "past", Sql.ts(Instant.parse("2000-01-01T00:00:00Z")))).await().atMost(WAIT);
        Instant now = Sql.now();
        Duration lease = Duration.ofSeconds(15);

        assertThat(jobs.hold(job, "replica-a", now, lease).await().atMost(WAIT)).isTrue();
        assertThat(jobs.hold(job, "replica-b", now.plusSeconds(1), lease).await().atMost(WAIT)).isFalse();
        assertThat(jobs.hold(job, "replica-a", now.plusSeconds(10), lease).await().atMost(WAIT)).as("renewed").isTrue();
        assertThat(jobs.hold(job, "replica-b", now.plusSeconds(20), lease).await().atMost(WAIT)).as("still held").isFalse();
        // replica-a stops renewing (it died): its lease, renewed at +10 s, lapses at +25 s.
        assertThat(jobs.hold(job, "replica-b", now.plusSeconds(26), lease).await().atMost(WAIT)).isTrue();
        assertThat(jobs.hold(job, "replica-a", now.plusSeconds(27), lease).await().atMost(WAIT)).isFalse();
    }

    @Test
    void deliveredEventsArePurgedOnceOlderThanTheRetention() {
        Instant old = Sql.now().minus(Duration.ofDays(3));
        CallbackEvent delivered = CallbackEvent.task(CallbackEvent.TASK_STOPPED, "purge-" + suffix(), "h", "STOPPED", null, old);
        CallbackEvent pending = CallbackEvent.task(CallbackEvent.TASK_STOPPED, "purge-" + suffix(), "h", "STOPPED", null, old);
        store.inTransaction(tx -> outbox.add(tx, delivered).chain(() -> outbox.add(tx, pending))
                .chain(() -> Sql.update(tx, "UPDATE outbox SET next_attempt_at = #{future} WHERE event_id = #{id}",
                        Sql.params("id", pending.eventId(), "future", Sql.ts(Instant.now().plusSeconds(3600)))))
                .chain(() -> outbox.delivered(tx, delivered.eventId(), old))).await().atMost(WAIT);
        try {
            assertThat(sender.purgeNow().await().atMost(WAIT)).isGreaterThanOrEqualTo(1);
            List<String> left = Sql.query(store.pool(), "SELECT event_id FROM outbox WHERE event_id IN (#{a}, #{b})",
                    Sql.params("a", delivered.eventId(), "b", pending.eventId()))
                    .map(rows -> { List<String> ids = new java.util.ArrayList<>(); rows.forEach(r -> ids.add(r.getString("event_id"))); return ids; })
                    .await().atMost(WAIT);
            assertThat(left).containsExactly(pending.eventId());
        } finally {
            Sql.update(store.pool(), "DELETE FROM outbox WHERE event_id = #{id}", Sql.params("id", pending.eventId()))
                    .await().atMost(WAIT);
        }
    }

    @Test
    void theSenderKeepsAtMostMaxInFlightPostsAtTheReceiver() {
        List<String> ids = new java.util.ArrayList<>();
        CallbackReceiver.answerAfter(300);
        try {
            store.inTransaction(tx -> {
                io.smallrye.mutiny.Uni<Void> chain = io.smallrye.mutiny.Uni.createFrom().voidItem();
                for (int i = 0; i < 16; i++) {
                    CallbackEvent event = CallbackEvent.task(CallbackEvent.TASK_STOPPED, "inflight-" + suffix(), "h", "STOPPED",
                            null, Sql.now());
                    ids.add(event.eventId());
                    chain = chain.chain(() -> outbox.add(tx, event));
                }
                return chain;
            }).await().atMost(WAIT);
            await().atMost(WAIT).until(() -> CallbackReceiver.events().stream()
                    .map(e -> String.valueOf(e.get("event_id"))).filter(ids::contains).count() == ids.size());
            // fleetlink.controller.callback.max-in-flight defaults to 4: a batch of 16 never has more at the receiver.
            assertThat(CallbackReceiver.maxInFlight()).isBetween(2, 4);
        } finally {
            CallbackReceiver.answerAfter(0);
        }
    }

    void insertRunningProvision(String hostId, String allocationId, String opId, String claimedBy, Instant leaseUntil) {
        Instant past = Instant.now().minusSeconds(600);
        store.inTransaction(tx -> Sql.update(tx, "UPDATE hosts SET state = 'ALLOCATED', allocation_id = #{a} WHERE host_id = #{h}",
                        Sql.params("a", allocationId, "h", hostId))
                .chain(() -> Sql.update(tx, "INSERT INTO allocations (allocation_id, host_id, user_name, ssh_public_keys, status, "
                        + "error_message, operation_id, created_at, updated_at) VALUES (#{a}, #{h}, 'flreclaim', #{keys}, "
                        + "'PROVISIONING', NULL, #{op}, #{t}, #{t})",
                        Sql.params("a", allocationId, "h", hostId, "keys", "[\"" + KEY + "\"]", "op", opId, "t", Sql.ts(past))))
                .chain(() -> Sql.update(tx, "INSERT INTO operations (operation_id, op_type, target, host_id, payload, status, "
                        + "attempts, last_error, claimed_by, lease_until, next_attempt_at, created_at, updated_at, finished_at) "
                        + "VALUES (#{op}, 'allocation.provision', #{a}, #{h}, #{payload}, 'RUNNING', 1, NULL, #{by}, "
                        + "#{lease}, #{t}, #{t}, #{t}, NULL)",
                        Sql.params("op", opId, "a", allocationId, "h", hostId, "t", Sql.ts(past), "by", claimedBy,
                                "lease", Sql.ts(leaseUntil),
                                "payload", "{\"allocation_id\":\"" + allocationId + "\",\"user\":\"flreclaim\","
                                        + "\"ssh_public_keys\":[\"" + KEY + "\"]}"))))
                .await().atMost(WAIT);
    }

    void insertRunningOperation(String opId, String target, String claimedBy, Instant leaseUntil) {
        Instant past = Instant.now().minusSeconds(600);
        Sql.update(store.pool(), "INSERT INTO operations (operation_id, op_type, target, host_id, payload, status, "
                + "attempts, last_error, claimed_by, lease_until, next_attempt_at, created_at, updated_at, finished_at) "
                + "VALUES (#{op}, 'task.stop', #{target}, 'nowhere', '{\"task_id\":\"t\"}', 'RUNNING', 1, NULL, #{by}, "
                + "#{lease}, #{t}, #{t}, #{t}, NULL)",
                Sql.params("op", opId, "target", target, "by", claimedBy, "lease", Sql.ts(leaseUntil), "t", Sql.ts(past)))
                .await().atMost(WAIT);
    }

    String registerFakeHost() {
        String hostId = "fake-" + suffix();
        api().body(Map.of("host_id", hostId, "address", "127.0.0.1", "http_port", agent.port()))
                .when().post("/api/v1/hosts")
                .then().statusCode(201);
        return hostId;
    }

    static void awaitAllocation(String allocationId, String status) {
        await().atMost(WAIT).untilAsserted(() -> api().when().get("/api/v1/allocations/" + allocationId)
                .then().statusCode(200)
                .body("data.status", org.hamcrest.Matchers.equalTo(status)));
    }

    private void postpone(String operationId, Instant next) {
        Sql.update(store.pool(), "UPDATE operations SET next_attempt_at = #{next} WHERE operation_id = #{id}",
                Sql.params("id", operationId, "next", Sql.ts(next))).await().atMost(WAIT);
    }

    private static Host host(String id, int port) {
        Instant now = Sql.now();
        return new Host(id, "127.0.0.1", port, null, Map.of(), HostState.AVAILABLE, Reachability.UNKNOWN, null, null, now, now);
    }

    static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
