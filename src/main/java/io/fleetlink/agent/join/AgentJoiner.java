package io.fleetlink.agent.join;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;

import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.agent.AgentIdentity;
import io.fleetlink.agent.DaemonThreads;
import io.fleetlink.agent.os.NvidiaSmi;
import io.fleetlink.agent.state.StateFiles;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.JoinRequest;
import io.fleetlink.protocol.JoinResponse;
import io.fleetlink.security.LocalAgentToken;
import io.fleetlink.security.SecretSource;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.vertx.http.HttpServerStart;
import io.quarkus.vertx.http.HttpsServerStart;

/**
 * Joins the fleet: an agent started with {@code fleetlink.agent.join.url} and {@code join.token-file}
 * and no credential in its state directory registers itself at the controller ({@code POST
 * /api/v1/join} with the join token) once its HTTP server is up, so the controller may call it, and
 * stores the credential it gets as {@code <state-dir>/agent.credential} (0600), its token from then on
 * ({@link LocalAgentToken}). After a restart the stored credential is used and the join token is not
 * needed. A failed join is retried on its own thread with growing, jittered waits ({@code retry-min}
 * to {@code retry-max}), never on an event loop; it is logged as an error and keeps the agent's
 * readiness down ({@link JoinReadiness}) until it succeeds.
 */
@ApplicationScoped
public class AgentJoiner {

    /** Beside the credential: which host and controller it is for (no secret). */
    static final String JOINED = "join.json";

    /** Where joining stands, for readiness and tests. */
    public enum State { NOT_CONFIGURED, JOINING, JOINED }

    private final AgentConfig config;
    private final AgentIdentity identity;
    private final NvidiaSmi nvidiaSmi;
    private final ObjectMapper json;
    private final LocalAgentToken token;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicBoolean serverUp = new AtomicBoolean();
    private final AtomicBoolean launched = new AtomicBoolean();
    private volatile State state = State.NOT_CONFIGURED;
    private volatile String lastError;
    private volatile int httpPort;
    private ScheduledExecutorService thread;

    public AgentJoiner(AgentConfig config, AgentIdentity identity, NvidiaSmi nvidiaSmi, ObjectMapper json, LocalAgentToken token) {
        this.config = config;
        this.identity = identity;
        this.nvidiaSmi = nvidiaSmi;
        this.json = json;
        this.token = token;
    }

    /**
     * Called by the agent's start-up: with joining configured and no stored credential for this host,
     * joins once the HTTP server is up. Blocking (reads the state directory), on the start-up thread.
     */
    public void start() {
        Optional<String> url = config.join().url();
        if (url.isEmpty()) {
            return;
        }
        URI controller = controllerUri(url.get());
        if (config.join().tokenFile().isEmpty()) {
            throw new IllegalStateException("fleetlink.agent.join.url is set but fleetlink.agent.join.token-file is not; "
                    + "put the join token an admin created (fleetlink join-token create) in a 0600 file and name it there");
        }
        Optional<String> joinedAs = joinedHost();
        if (joinedAs.isPresent() && joinedAs.get().equals(identity.hostId()) && credentialStored()) {
            state = State.JOINED;
            Log.infof("Agent %s holds the credential it got when it joined %s (%s); the join token is not needed",
                    identity.hostId(), controller, credentialFile());
            return;
        }
        if (joinedAs.isPresent() && !joinedAs.get().equals(identity.hostId())) {
            Log.warnf("The stored credential in %s is for host '%s' but this agent is host '%s'; joining again as '%s'",
                    credentialFile(), joinedAs.get(), identity.hostId(), identity.hostId());
        }
        state = State.JOINING;
        lastError = "not joined yet";
        armed.set(true);
        launchWhenReady();
    }

    /** Stops retrying. */
    public void stop() {
        ScheduledExecutorService running = thread;
        if (running != null) {
            running.shutdownNow();
        }
    }

    /** Fired (asynchronously) by each HTTP server verticle once it listens. */
    void onHttp(@ObservesAsync HttpServerStart event) {
        serverStarted(event.options().getPort());
    }

    void onHttps(@ObservesAsync HttpsServerStart event) {
        serverStarted(event.options().getPort());
    }

    public State state() {
        return state;
    }

    /** Why the agent has not joined yet; null once it has. */
    public String lastError() {
        return lastError;
    }

    private void serverStarted(int port) {
        if (port > 0) {
            httpPort = port;
        }
        serverUp.set(true);
        launchWhenReady();
    }

    private void launchWhenReady() {
        if (!armed.get() || !serverUp.get() || !launched.compareAndSet(false, true)) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fleetlink-agent-join"));
        thread.execute(() -> attempt(config.join().retryMin()));
    }

    private void attempt(Duration nextWait) {
        try {
            JoinResponse joined = joinOnce();
            store(joined);
            state = State.JOINED;
            lastError = null;
            Log.infof("Agent %s %s the fleet at %s; its credential is stored in %s", joined.hostId(),
                    joined.rejoined() ? "joined again" : "joined", config.join().url().orElseThrow(), credentialFile());
        } catch (JoinFailure e) {
            fail(e.getMessage(), nextWait);
        } catch (IOException | RuntimeException e) {
            fail("the join failed: " + describe(e), nextWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fail(String message, Duration nextWait) {
        lastError = message;
        // Full jitter: a fleet restarted at once does not knock on the controller in step.
        long waitMillis = ThreadLocalRandom.current().nextLong(nextWait.toMillis() / 2, nextWait.toMillis() + 1);
        Log.errorf("Agent %s has not joined the fleet: %s; it tries again in %d ms (readiness is down until it joins)",
                identity.hostId(), message, waitMillis);
        Duration next = nextWait.multipliedBy(2);
        Duration max = config.join().retryMax();
        Duration following = next.compareTo(max) > 0 ? max : next;
        ScheduledExecutorService running = thread;
        if (running != null && !running.isShutdown()) {
            running.schedule(() -> attempt(following), waitMillis, TimeUnit.MILLISECONDS);
        }
    }

    private JoinResponse joinOnce() throws IOException, InterruptedException, JoinFailure {
        URI controller = controllerUri(config.join().url().orElseThrow());
        String joinToken = readJoinToken();
        String address = config.join().address().filter(a -> !a.isBlank()).orElseGet(() -> localAddressTowards(controller));
        JoinRequest request = new JoinRequest(identity.hostId(), address,
                config.join().httpPort().orElse(httpPort > 0 ? httpPort : configuredPort("quarkus.http")),
                config.join().grpcPort().orElse(configuredPort("quarkus.grpc.server")),
                Map.copyOf(config.join().labels()), gpus(), identity.version());
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(config.join().timeout())
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (config.join().caFile().isPresent()) {
            builder.sslContext(trusting(config.join().caFile().get()));
        }
        HttpClient client = builder.build();
        HttpRequest post = HttpRequest.newBuilder(controller.resolve("/api/v1/join"))
                .timeout(config.join().timeout())
                .header("Authorization", "Bearer " + joinToken)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(request)))
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(post, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new JoinFailure("the controller at " + controller + " cannot be reached (" + describe(e) + ")");
        }
        JsonNode body = parse(response.body());
        String message = body != null && body.hasNonNull("message") ? body.get("message").asText() : abbreviate(response.body());
        int status = response.statusCode();
        if (status == 401) {
            throw new JoinFailure("the controller refused the join token in " + config.join().tokenFile().orElseThrow()
                    + " (401: " + message + "); put a new one there (fleetlink join-token create)");
        }
        if (status / 100 != 2) {
            throw new JoinFailure("the controller answered " + status + ": " + message);
        }
        JsonNode data = body == null ? null : body.get("data");
        JoinResponse joined = data == null ? null : json.treeToValue(data, JoinResponse.class);
        if (joined == null || joined.token() == null || joined.token().isBlank() || !identity.hostId().equals(joined.hostId())) {
            throw new JoinFailure("the controller's answer holds no credential for host '" + identity.hostId() + "'");
        }
        return joined;
    }

    private void store(JoinResponse joined) throws IOException {
        Path dir = StateFiles.ensureDirectory(config.stateDir());
        StateFiles.writeAtomically(dir, LocalAgentToken.JOINED_CREDENTIAL, (joined.token() + "\n").getBytes(StandardCharsets.UTF_8));
        StateFiles.writeAtomically(dir, JOINED, json.writeValueAsBytes(Map.of("host_id", joined.hostId(),
                "controller", config.join().url().orElseThrow(), "joined_at", Instant.now().toString())));
        token.source().ifPresent(SecretSource::recheckNow);
    }

    private String readJoinToken() throws JoinFailure {
        Path file = config.join().tokenFile().orElseThrow();
        try {
            String value = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (value.isEmpty()) {
                throw new JoinFailure("the join token file " + file + " is empty; put the join token an admin created in it");
            }
            return value;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new JoinFailure("the join token file " + file + " does not exist; put the join token an admin created "
                    + "in it (fleetlink join-token create)");
        } catch (IOException e) {
            throw new JoinFailure("cannot read the join token file " + file + " (" + describe(e)
                    + "); put the join token an admin created in it (fleetlink join-token create)");
        }
    }

    /** TLS that trusts only the CA certificates in {@code pem} (the fleet CA that signed the controller's certificate). */
    static javax.net.ssl.SSLContext trusting(Path pem) throws JoinFailure {
        try (java.io.InputStream in = Files.newInputStream(pem)) {
            java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            int count = 0;
            for (java.security.cert.Certificate certificate
                    : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + count++, certificate);
            }
            if (count == 0) {
                throw new JoinFailure("fleetlink.agent.join.ca-file " + pem + " holds no PEM certificate");
            }
            javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory
                    .getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new JoinFailure("fleetlink.agent.join.ca-file " + pem + " cannot be read as PEM certificates ("
                    + describe(e) + ")");
        }
    }

    private List<JoinRequest.Gpu> gpus() {
        try {
            NvidiaSmi.Report report = nvidiaSmi.query();
            if (report.error() != null) {
                Log.warnf("Joining without a GPU inventory: %s", report.error());
            }
            return report.gpus().stream()
                    .map(gpu -> new JoinRequest.Gpu(gpu.index(), gpu.uuid(), gpu.name(), gpu.memoryTotalMib()))
                    .toList();
        } catch (RuntimeException e) {
            Log.warnf("Joining without a GPU inventory: %s", describe(e));
            return List.of();
        }
    }

    private Optional<String> joinedHost() {
        Path file = config.stateDir().resolve(JOINED);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(json.readTree(file.toFile()).path("host_id").textValue());
        } catch (IOException e) {
            Log.warnf("%s cannot be read (%s); joining again", file, describe(e));
            return Optional.empty();
        }
    }

    private boolean credentialStored() {
        Path file = credentialFile();
        try {
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && !Files.readString(file).isBlank();
        } catch (IOException e) {
            return false;
        }
    }

    private Path credentialFile() {
        return config.stateDir().resolve(LocalAgentToken.JOINED_CREDENTIAL);
    }

    private static URI controllerUri(String url) {
        try {
            URI uri = URI.create(url.trim());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("fleetlink.agent.join.url=" + url + " is not the controller's URL (" + e.getMessage()
                    + "); e.g. https://controller.example:8081");
        }
    }

    /** The local address this machine reaches the controller from: no packet is sent (a UDP connect only routes). */
    private static String localAddressTowards(URI controller) {
        try (DatagramSocket socket = new DatagramSocket()) {
            int port = controller.getPort() > 0 ? controller.getPort() : 443;
            socket.connect(new InetSocketAddress(InetAddress.getByName(controller.getHost()), port));
            InetAddress local = socket.getLocalAddress();
            if (local == null || local.isAnyLocalAddress()) {
                throw new IllegalStateException("no route to " + controller.getHost());
            }
            return local.getHostAddress();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot tell this machine's address towards " + controller.getHost() + " ("
                    + describe(e) + "); set fleetlink.agent.join.address");
        }
    }

    private static int configuredPort(String prefix) {
        var config = ConfigProvider.getConfig();
        String key = LaunchMode.current() == LaunchMode.TEST ? prefix + ".test-port" : prefix + ".port";
        return config.getOptionalValue(key, Integer.class)
                .or(() -> config.getOptionalValue(prefix + ".port", Integer.class))
                .orElseThrow(() -> new IllegalStateException(prefix + ".port is not set; set fleetlink.agent.join."
                        + (prefix.contains("grpc") ? "grpc-port" : "http-port")));
    }

    private JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String abbreviate(String text) {
        String body = text == null ? "" : text.strip();
        return body.length() > 200 ? body.substring(0, 200) + "..." : body;
    }

    private static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /** A join attempt that failed for a reason worth telling the operator in a sentence. */
    static final class JoinFailure extends Exception {
        JoinFailure(String message) {
            super(message, null, false, false);
        }
    }
}
