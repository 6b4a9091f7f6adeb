package io.fleetlink.drills;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.PostgresCluster;
import io.fleetlink.support.TestPorts;
import io.fleetlink.support.TestUsers;

/**
 * Fault drills on real, network-separated hosts: {@value #AGENTS} agents, each the packaged jar in its
 * own network namespace behind a veth pair on a bridge the test makes ({@link NetLab}), carrying
 * one host registration each, with its own tenant account: an agent is one machine with one fencing
 * epoch, so two registrations on one agent would fence each other's releases (each ownership change of
 * one raises the machine's epoch under the other's cleanup); the agents run with the small JVM settings
 * of the shipped JVM unit so twenty fit beside the build; two controller
 * replicas (packaged jar, killable) on a private PostgreSQL; the {@link CallbackReceiver}. Each drill
 * injects one fault, waits for the fleet to settle and checks the invariants; every drill's row goes to
 * {@code target/drills/report.md}. The JVMs are shared by every drill, in order.
 *
 * <p>Run with {@code ./mvnw -B -Pdrills verify} as root (CI does, after the normal suite).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultDrills {

    static final int AGENTS = 20;
    static final int HOSTS = AGENTS;
    static final Duration SETTLE = Duration.ofMinutes(3);
    static final Duration RECOVERY_TARGET = Duration.ofSeconds(20);
    static final String AGENT_TOKEN = "drill-agent-token-0123456789abcdef";
    static final String API_TOKEN = "drill-api-token-0123456789abcdef";
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl tenant@example";
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final List<Report.Row> rows = new ArrayList<>();
    private final List<TestUsers.TestUser> users = new ArrayList<>();
    private final List<Node> agents = new ArrayList<>();
    private final List<Node> controllers = new ArrayList<>();
    private final List<Integer> apiPorts = new ArrayList<>();
    private final List<Process> slow = new ArrayList<>();
    private NetLab lab;
    private PostgresCluster pg;
    private String jdbcUrl;
    private Path logs;

    @BeforeAll
    void startFleet() throws Exception {
        boolean required = "true".equals(System.getenv("FLEETLINK_REQUIRE_REAL_PARTS"));
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean netns = root && NetLab.supported();
        if (!netns || !Files.isDirectory(Path.of("/usr/lib/postgresql"))) {
            String why = "the drills need root, ip netns and veth pairs (iproute2) and PostgreSQL (postgresql)";
            if (required) {
                throw new IllegalStateException(why);
            }
            Assumptions.abort(why);
        }
        logs = Files.createDirectories(Path.of("target", "drills"));
        CallbackReceiver.start();
        pg = new PostgresCluster();
        Map<String, String> store = pg.start();
        jdbcUrl = "jdbc:" + store.get("fleetlink.store.url") + "?user=fleetlink";
        for (int j = 0; j < HOSTS; j++) {
            users.add(TestUsers.create());
        }
        lab = new NetLab(AGENTS);
        for (int i = 0; i < AGENTS; i++) {
            agents.add(new Node("agent-" + i, NetLab.namespace(i), logs.resolve("agent-" + i + ".log"), List.of(
                    "fleetlink.role=agent", "fleetlink.agent.auth.token=" + AGENT_TOKEN,
                    "quarkus.http.port=8081", "quarkus.grpc.server.port=50051", "quarkus.management.port=9000",
                    "fleetlink.agent.cleanup.docker-socket=/nonexistent/fleetlink-drills/docker.sock",
                    "fleetlink.agent.cleanup.process-grace=3s"))
                    // Each host keeps its own request journal and epoch (agents that have them), as separate machines do.
                    .env("FLEETLINK_AGENT_STATE_DIR", logs.toAbsolutePath().resolve("state-agent-" + i).toString())
                    .start());
        }
        for (String replica : List.of("drill-a", "drill-b")) {
            int api = TestPorts.freePort();
            apiPorts.add(api);
            List<String> props = new ArrayList<>(List.of("fleetlink.role=controller",
                    "fleetlink.controller.auth.token=" + API_TOKEN, "fleetlink.controller.agent-token=" + AGENT_TOKEN,
                    "fleetlink.controller.pipeline.replica-id=" + replica,
                    "fleetlink.controller.callback.url=" + CallbackReceiver.url(),
                    "fleetlink.controller.callback.poll-interval=500ms", "fleetlink.controller.callback.max-backoff=4s",
                    "fleetlink.controller.health.interval=5s", "fleetlink.controller.breaker.delay=3s",
                    "agent.timeout=6s", "fleetlink.controller.timeouts.machine-cleanup=20s",
                    "quarkus.http.port=" + api, "quarkus.grpc.server.port=" + TestPorts.freePort(),
                    "quarkus.management.port=" + TestPorts.freePort(), "quarkus.log.category.\"io.fleetlink\".level=INFO"));
            store.forEach((k, v) -> props.add(k + "=" + v));
            controllers.add(new Node("controller-" + replica, null, logs.resolve("controller-" + replica + ".log"), props).start());
        }
        for (Node node : agents) {
            node.awaitStarted(Duration.ofMinutes(4));
        }
        for (Node node : controllers) {
            node.awaitStarted(Duration.ofMinutes(4));
        }
        for (int j = 0; j < HOSTS; j++) {
            JsonNode reply = call(j % 2, "POST", "/api/v1/hosts", Map.of("host_id", host(j), "address",
                    NetLab.address(j % AGENTS), "http_port", 8081));
            assertThat(reply.path("code").asInt()).as("register %s: %s", host(j), reply).isEqualTo(201);
        }
    }

    @AfterAll
    void stopFleet() throws Exception {
        try {
            if (logs != null) {
                Report.write(logs.resolve("report.md"), rows, lab == null ? "-" : lab.partitionMethod(), AGENTS, HOSTS);
            }
        } finally {
            stopSlowProcesses();
            for (Node node : controllers) {
                node.close();
            }
            for (Node node : agents) {
                node.close();
            }
            if (lab != null) {
                lab.close();
            }
            for (TestUsers.TestUser user : users) {
                TestUsers.killAll(user);
                TestUsers.delete(user);
            }
            if (pg != null) {
                pg.stop();
            }
            CallbackReceiver.start();
        }
    }

    // ---------------------------------------------------------------- the drills

    @Test
    @Order(1)
    void partitionOfAnAgentDuringProvisioning() throws Exception {
        Drill drill = new Drill("agent partitioned during provisioning (10 s)");
        List<Integer> hosts = hostsOf(0);
        lab.partition(0);
        long faultAt = System.nanoTime();
        try {
            for (int j : hosts) {
                drill.allocation(allocate(j, j % 2));
            }
            Thread.sleep(10_000);
        } finally {
            lab.heal(0);
        }
        drill.settle(faultAt);
    }

    @Test
    @Order(2)
    void partitionOfAnAgentDuringRelease() throws Exception {
        Drill drill = new Drill("agent partitioned during release (10 s)");
        List<Integer> hosts = hostsOf(1);
        List<String> allocations = readyOn(hosts, drill);
        slowCleanupFor(hosts);
        releaseAll(allocations, drill);
        Thread.sleep(1000);
        lab.partition(1);
        long faultAt = System.nanoTime();
        try {
            Thread.sleep(10_000);
        } finally {
            lab.heal(1);
        }
        drill.settle(faultAt);
    }

    @Test
    @Order(3)
    void agentKilledMidCleanupAndBackAfter10s() throws Exception {
        Drill drill = new Drill("agent kill -9 mid-cleanup, back after 10 s");
        List<Integer> hosts = hostsOf(2);
        List<String> allocations = readyOn(hosts, drill);
        slowCleanupFor(hosts);
        releaseAll(allocations, drill);
        Thread.sleep(1000);
        agents.get(2).kill9();
        long faultAt = System.nanoTime();
        Thread.sleep(10_000);
        agents.get(2).start().awaitStarted(Duration.ofMinutes(3));
        drill.settle(faultAt);
    }

    @Test
    @Order(4)
    void controllerKilledMidBatchWithoutRestart() throws Exception {
        Drill drill = new Drill("controller kill -9 mid-batch (20 releases), no restart");
        List<Integer> hosts = range(0, 20);
        List<String> allocations = readyOn(hosts, drill);
        slowCleanupFor(hosts);
        releaseAll(allocations, drill);
        Thread.sleep(1000);
        controllers.get(0).kill9();
        long faultAt = System.nanoTime();
        try {
            drill.recoveryTarget = RECOVERY_TARGET;
            drill.settle(faultAt);
        } finally {
            controllers.get(0).start().awaitStarted(Duration.ofMinutes(3));
        }
    }

    @Test
    @Order(5)
    void controllerKilledMidBatchAndRestartedAtOnce() throws Exception {
        Drill drill = new Drill("controller kill -9 mid-batch (20 releases), restarted at once");
        List<Integer> hosts = range(0, 20);
        List<String> allocations = readyOn(hosts, drill);
        slowCleanupFor(hosts);
        releaseAll(allocations, drill);
        Thread.sleep(1000);
        controllers.get(1).kill9();
        long faultAt = System.nanoTime();
        controllers.get(1).start();
        drill.recoveryTarget = RECOVERY_TARGET;
        drill.settle(faultAt);
        controllers.get(1).awaitStarted(Duration.ofMinutes(3));
    }

    @Test
    @Order(6)
    void postgresRestartMidBatch() throws Exception {
        Drill drill = new Drill("PostgreSQL restart mid-batch (20 releases)");
        List<Integer> hosts = range(0, 20);
        List<String> allocations = readyOn(hosts, drill);
        slowCleanupFor(hosts);
        releaseAll(allocations, drill);
        Thread.sleep(1000);
        pg.stopServer();
        long faultAt = System.nanoTime();
        Thread.sleep(5000);
        pg.startServer();
        drill.settle(faultAt);
    }

    @Test
    @Order(7)
    void callbackReceiverDown30s() throws Exception {
        Drill drill = new Drill("callback receiver down 30 s");
        CallbackReceiver.stop();
        long faultAt = System.nanoTime();
        try {
            List<Integer> hosts = range(0, 7);
            List<String> allocations = readyOn(hosts, drill);
            releaseAll(allocations, drill);
            awaitQuiet(SETTLE);
            Thread.sleep(Math.max(0, 30_000 - Duration.ofNanos(System.nanoTime() - faultAt).toMillis()));
        } finally {
            CallbackReceiver.start();
        }
        drill.settle(faultAt);
    }

    @Test
    @Order(8)
    void bothReplicasGivenTheSameReleaseAtOnce() throws Exception {
        Drill drill = new Drill("both replicas given the same release at once");
        List<Integer> hosts = range(7, 14);
        List<String> allocations = readyOn(hosts, drill);
        long faultAt = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<JsonNode>> replies = new ArrayList<>();
            for (String allocation : allocations) {
                for (int c = 0; c < 2; c++) {
                    int controller = c;
                    replies.add(CompletableFuture.supplyAsync(() -> callUnchecked(controller, "POST",
                            "/api/v1/allocations/" + allocation + "/release", null), pool));
                }
            }
            for (CompletableFuture<JsonNode> reply : replies) {
                int code = reply.get().path("code").asInt();
                assertThat(code).as("a release answered %s", reply.get()).isIn(202, 409);
            }
        } finally {
            pool.shutdownNow();
        }
        drill.settle(faultAt);
        for (String allocation : allocations) {
            assertThat(scalar("SELECT COUNT(*) FROM operations WHERE op_type = 'allocation.release' AND target = '"
                    + allocation + "'")).as("release operations of %s", allocation).isEqualTo(1);
        }
    }

    @Test
    @Order(9)
    void burstOf500AllocateReleaseCyclesOver21Hosts() throws Exception {
        Drill drill = new Drill("burst: 500 allocate/release cycles over " + HOSTS + " hosts");
        drill.recoveryApplies = false;
        AtomicInteger started = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(HOSTS);
        long faultAt = System.nanoTime();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        List<String> allocations = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int j = 0; j < HOSTS; j++) {
            int host = j;
            workers.add(CompletableFuture.runAsync(() -> {
                int round = 0;
                while (started.getAndIncrement() < 500) {
                    try {
                        String allocation = allocate(host, (host + round) % 2);
                        allocations.add(allocation);
                        String status = awaitAllocation(allocation, Set.of("READY", "FAILED"));
                        if ("READY".equals(status)) {
                            call((host + round + 1) % 2, "POST", "/api/v1/allocations/" + allocation + "/release", null);
                            awaitAllocation(allocation, Set.of("RELEASED", "CLEANUP_FAILED"));
                        }
                        if (!"AVAILABLE".equals(hostState(host))) {
                            return; // a quarantined host leaves the burst; the invariants judge it
                        }
                        round++;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, pool));
        }
        try {
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(15, java.util.concurrent.TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        allocations.forEach(drill::allocation);
        drill.settle(faultAt);
        assertThat(allocations.size()).as("cycles run").isGreaterThanOrEqualTo(500);
    }

    // ---------------------------------------------------------------- one drill's bookkeeping and invariants

    /** One drill: the allocations it made, then {@link #settle}: recovery time, invariants, the report row. */
    final class Drill {
        final String name;
        final List<String> allocations = new ArrayList<>();
        Duration recoveryTarget;
        boolean recoveryApplies = true;

        Drill(String name) {
            this.name = name;
        }

        void allocation(String allocationId) {
            allocations.add(allocationId);
        }

        /** Waits for every operation to end and every callback to arrive, then checks the invariants. */
        void settle(long faultAt) throws Exception {
            Report.Row row = new Report.Row(name);
            rows.add(row);
            awaitQuiet(SETTLE);
            Duration recovery = Duration.ofNanos(System.nanoTime() - faultAt);
            row.recovery = recovery;
            row.recoveryApplies = recoveryApplies;
            List<String> operations = strings("SELECT operation_id FROM operations WHERE target IN (" + in(allocations) + ")");
            row.operations = operations.size();
            row.lost = (int) scalar("SELECT COUNT(*) FROM operations WHERE status NOT IN ('SUCCEEDED', 'FAILED')");
            AuditLines audit = AuditLines.read(agents.stream().map(Node::log).toList());
            row.executedTwice = audit.executedTwice(new HashSet<>(operations));
            row.auditFormat = audit.json ? "json" : "key=value";
            awaitCallbacks(SETTLE);
            row.undelivered = undeliveredCallbacks();
            row.quarantinedAllocated = (int) scalar("SELECT COUNT(*) FROM hosts h JOIN allocations a ON a.host_id = h.host_id "
                    + "WHERE h.state = 'QUARANTINED' AND a.status IN ('READY', 'PROVISIONING')");
            row.readyAfterFailedCleanup = (int) scalar("SELECT COUNT(*) FROM allocations a WHERE a.status = 'READY' AND EXISTS ("
                    + "SELECT 1 FROM allocations f WHERE f.host_id = a.host_id AND f.status = 'CLEANUP_FAILED' "
                    + "AND f.updated_at <= a.created_at AND NOT EXISTS (SELECT 1 FROM operations c WHERE c.host_id = a.host_id "
                    + "AND c.op_type = 'host.cleanup' AND c.status = 'SUCCEEDED' AND c.finished_at BETWEEN f.updated_at AND a.created_at))");
            row.outcomes = outcomes();
            try {
                assertThat(row.lost).as("operations not terminal after the drill").isZero();
                if (audit.json) {
                    assertThat(row.executedTwice).as("request ids executed more than once at an agent").isZero();
                }
                assertThat(row.undelivered).as("callback events not delivered").isZero();
                assertThat(row.quarantinedAllocated).as("hosts QUARANTINED and allocated").isZero();
                assertThat(row.readyAfterFailedCleanup).as("allocations READY on a host whose cleanup failed").isZero();
                if (recoveryTarget != null) {
                    assertThat(recovery).as("recovery after the fault").isLessThanOrEqualTo(recoveryTarget);
                }
                row.passed = true;
            } finally {
                normalize();
            }
        }
    }

    /** Hands every host back: quarantined ones cleaned, READY allocations released, slow processes gone. */
    void normalize() throws Exception {
        stopSlowProcesses();
        for (String allocation : strings("SELECT allocation_id FROM allocations WHERE status = 'READY'")) {
            call(0, "POST", "/api/v1/allocations/" + allocation + "/release", null);
        }
        awaitQuiet(SETTLE);
        for (int j = 0; j < HOSTS; j++) {
            if ("QUARANTINED".equals(hostState(j))) {
                call(1, "POST", "/api/v1/hosts/" + host(j) + "/cleanup", Map.of("user", users.get(j).name()));
            }
        }
        awaitQuiet(SETTLE);
        // A host whose agent was down is OFFLINE until the sweep (every 5 s) hears it again: the next drill
        // starts with every host AVAILABLE and not OFFLINE.
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (scalar("SELECT COUNT(*) FROM hosts WHERE state <> 'AVAILABLE' OR reachability = 'OFFLINE'") > 0
                && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
    }

    /** Waits until no operation is PENDING or RUNNING (fails the drill past {@code max}). */
    void awaitQuiet(Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (scalar("SELECT COUNT(*) FROM operations WHERE status IN ('PENDING', 'RUNNING')") > 0) {
            if (System.nanoTime() > deadline) {
                return; // the drill's invariants report what is left
            }
            Thread.sleep(200);
        }
    }

    void awaitCallbacks(Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (undeliveredCallbacks() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
    }

    /** Outbox events not yet delivered, or marked delivered but never seen by the receiver. */
    int undeliveredCallbacks() throws SQLException {
        Set<String> received = new HashSet<>();
        CallbackReceiver.events().forEach(e -> received.add(String.valueOf(e.get("event_id"))));
        int missing = 0;
        for (String event : strings("SELECT event_id FROM outbox")) {
            if (!received.contains(event)) {
                missing++;
            }
        }
        return missing;
    }

    Map<String, Long> outcomes() throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT status, COUNT(*) AS n FROM allocations GROUP BY status ORDER BY status")) {
            while (rs.next()) {
                out.put(rs.getString("status"), rs.getLong("n"));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- fleet helpers

    List<String> readyOn(List<Integer> hosts, Drill drill) throws Exception {
        List<String> allocations = new ArrayList<>();
        for (int j : hosts) {
            String allocation = allocate(j, j % 2);
            allocations.add(allocation);
            drill.allocation(allocation);
        }
        for (String allocation : allocations) {
            assertThat(awaitAllocation(allocation, Set.of("READY", "FAILED"))).as("allocation %s", allocation).isEqualTo("READY");
        }
        return allocations;
    }

    void releaseAll(List<String> allocations, Drill drill) throws Exception {
        for (int k = 0; k < allocations.size(); k++) {
            JsonNode reply = call(k % 2, "POST", "/api/v1/allocations/" + allocations.get(k) + "/release", null);
            assertThat(reply.path("code").asInt()).as("release: %s", reply).isEqualTo(202);
        }
    }

    String allocate(int host, int controller) throws Exception {
        JsonNode reply = call(controller, "POST", "/api/v1/allocations", Map.of("host_id", host(host),
                "user", users.get(host).name(), "ssh_public_keys", List.of(KEY)));
        assertThat(reply.path("code").asInt()).as("allocate on %s: %s", host(host), reply).isEqualTo(202);
        return reply.path("data").path("allocation_id").asText();
    }

    String awaitAllocation(String allocation, Set<String> wanted) throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            List<String> status = strings("SELECT status FROM allocations WHERE allocation_id = '" + allocation + "'");
            if (!status.isEmpty() && wanted.contains(status.get(0))) {
                return status.get(0);
            }
            if (System.nanoTime() > deadline) {
                return status.isEmpty() ? "MISSING" : status.get(0);
            }
            Thread.sleep(100);
        }
    }

    String hostState(int host) throws SQLException {
        return strings("SELECT state FROM hosts WHERE host_id = '" + host(host) + "'").get(0);
    }

    /** A tenant process that ignores SIGTERM on each host: the cleanup's process step waits out its grace. */
    void slowCleanupFor(List<Integer> hosts) throws IOException {
        for (int j : hosts) {
            slow.add(new ProcessBuilder("runuser", "-u", users.get(j).name(), "--", "sh", "-c",
                    "trap '' TERM; exec sleep 600").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
    }

    void stopSlowProcesses() {
        slow.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
        slow.clear();
    }

    static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int j = from; j < to; j++) {
            out.add(j);
        }
        return out;
    }

    static List<Integer> hostsOf(int agent) {
        List<Integer> out = new ArrayList<>();
        for (int j = agent; j < HOSTS; j += AGENTS) {
            out.add(j);
        }
        return out;
    }

    static String host(int j) {
        return "drill-h" + j;
    }

    // ---------------------------------------------------------------- API and store access

    /** Calls the API on {@code preferred} controller, or the other one while it is down. */
    JsonNode call(int preferred, String method, String path, Object body) throws Exception {
        Exception last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (int k = 0; k < 2; k++) {
                int c = (preferred + k) % 2;
                if (!controllers.get(c).alive()) {
                    continue;
                }
                try {
                    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get(c) + path))
                            .timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + API_TOKEN)
                            .header("Content-Type", "application/json");
                    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
                    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 503) {
                        last = new IOException("503: " + response.body());
                        continue; // the store is restarting: try again
                    }
                    return JSON.readTree(response.body());
                } catch (IOException e) {
                    last = e;
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("no controller answered " + method + " " + path, last);
    }

    JsonNode callUnchecked(int preferred, String method, String path, Object body) {
        try {
            return call(preferred, method, path, body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    long scalar(String sql) throws SQLException {
        return withRetry(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    List<String> strings(String sql) throws SQLException {
        return withRetry(c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    /** A query on the drills' own connection; retried while PostgreSQL restarts. */
    <T> T withRetry(Query<T> query) throws SQLException {
        SQLException last = null;
        for (int attempt = 0; attempt < 120; attempt++) {
            try (Connection c = DriverManager.getConnection(jdbcUrl)) {
                return query.run(c);
            } catch (SQLException e) {
                last = e;
                try {
                    Thread.sleep(500);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        throw last;
    }

    static String in(List<String> ids) {
        if (ids.isEmpty()) {
            return "''";
        }
        StringBuilder out = new StringBuilder();
        for (String id : ids) {
            out.append(out.length() == 0 ? "" : ", ").append('\'').append(id.replace("'", "")).append('\'');
        }
        return out.toString();
    }
}
