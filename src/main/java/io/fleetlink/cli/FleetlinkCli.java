package io.fleetlink.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.fleetlink.cli.ControllerHttp.Reply;
import io.fleetlink.cli.ControllerHttp.UnreachableException;

/**
 * {@code fleetlink}: the operator's command line over the controller API ({@code FLEETLINK_URL},
 * token from {@code FLEETLINK_TOKEN} or {@code FLEETLINK_TOKEN_FILE}). A plain Java main that never
 * starts Quarkus; it only speaks HTTP, so it imports no role. Human tables by default, {@code -o json}
 * prints the envelope's {@code data}; the exit status is one of {@link ExitCodes}.
 */
public final class FleetlinkCli {

    static final String DEFAULT_URL = "http://localhost:8081";
    static final String USAGE = """
            usage: fleetlink [--url URL] [-o table|json] <command> ...

              hosts ls
              hosts get ID
              hosts register ID ADDRESS [--http-port N] [--grpc-port N] [--label K=V]...
              hosts rm ID
              hosts drain ID --reason TEXT [--wait]     no new allocation; --wait until it holds none
              hosts undrain ID [--reason TEXT]
              hosts health ID                           ping its agent now
              hosts info ID                             the agent's system info
              hosts gpu-health ID                       the agent's GPU health checks
              alloc create --host ID --user NAME --key FILE|--key-text KEY... [--watch]
              alloc ls [--host ID] [--status STATUS]
              alloc get ID [--watch]
              alloc release ID [--watch]
              alloc report ID
              tasks stop ID
              tasks get ID
              ops ls --target ID
              ops get ID [--watch]
              ops cancel ID
              exec (ID | --selector K=V[,K!=V,K,!K]) [--user NAME] [--timeout SECONDS] -- PROGRAM [ARG]...
                                                        --selector: all matching hosts at once (POST /api/v1/exec)
              cleanup ID --user NAME [--type process|gpu|data|ssh|docker|datasets]... [--watch]
              agent-token ID [--exec]                   the token to install on host ID (admin; per-host tokens);
                                                        --exec: its exec token (per-host exec tokens)
              join-token create [--uses N] [--ttl 1h] [--description TEXT]
                                                        a join token for machines to join with (admin); shown once
              join-token ls                             join tokens, never their secrets
              join-token revoke TOKEN_ID                no machine joins with it any more

            environment: FLEETLINK_URL (default http://localhost:8081), FLEETLINK_TOKEN or FLEETLINK_TOKEN_FILE
            exit status: 0 ok, 1 failed (5xx, command exit non-zero, watched item failed), 2 usage or 400,
                         3 not found, 4 conflict (409), 5 no or wrong token, 6 controller unreachable
            """;

    private static final Set<String> FLAGS = Set.of("watch", "wait", "help", "exec");
    private static final Set<String> ALLOCATION_SETTLED = Set.of("READY", "FAILED", "RELEASED", "CLEANUP_FAILED");
    private static final Set<String> ALLOCATION_FAILED = Set.of("FAILED", "CLEANUP_FAILED");
    private static final Set<String> OPERATION_DONE = Set.of("SUCCEEDED", "FAILED");

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private Duration pollInterval = Duration.ofSeconds(1);

    private ControllerHttp http;
    private boolean jsonOutput;

    FleetlinkCli(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new FleetlinkCli(System.getenv(), System.out, System.err).run(args));
    }

    /** Polls watched items this often (tests shorten it). */
    FleetlinkCli pollEvery(Duration interval) {
        this.pollInterval = interval;
        return this;
    }

    /** Runs one command line and returns its exit status. */
    int run(String... argv) {
        Args args;
        try {
            args = Args.parse(argv);
        } catch (UsageException e) {
            return usage(e.getMessage());
        }
        if (args.flag("help") || args.positional.isEmpty()) {
            out.print(USAGE);
            return args.flag("help") ? ExitCodes.OK : ExitCodes.USAGE;
        }
        try {
            String output = args.option("o", "table");
            if (!output.equals("table") && !output.equals("json")) {
                throw new UsageException("-o must be table or json");
            }
            jsonOutput = output.equals("json");
            String url = args.option("url", env.getOrDefault("FLEETLINK_URL", DEFAULT_URL));
            String token = token();
            if (token == null) {
                err.println("error: no token: set FLEETLINK_TOKEN, or FLEETLINK_TOKEN_FILE to a file holding the "
                        + "controller's token (fleetlink.controller.auth.token)");
                return ExitCodes.UNAUTHORIZED;
            }
            http = new ControllerHttp(json, url, token);
            return dispatch(args);
        } catch (UsageException e) {
            return usage(e.getMessage());
        } catch (UnreachableException e) {
            err.println("error: " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.FAILED;
        }
    }

    private String token() throws IOException {
        String token = env.get("FLEETLINK_TOKEN");
        if (token != null && !token.isBlank()) {
            return token.strip();
        }
        String file = env.get("FLEETLINK_TOKEN_FILE");
        if (file != null && !file.isBlank()) {
            try {
                return Files.readString(Path.of(file)).strip();
            } catch (IOException e) {
                throw new IOException("FLEETLINK_TOKEN_FILE " + file + " cannot be read: " + e.getMessage(), e);
            }
        }
        return null;
    }

    private int dispatch(Args args) throws UsageException, UnreachableException, IOException, InterruptedException {
        String group = args.positional.get(0);
        String verb = args.positional.size() > 1 ? args.positional.get(1) : "";
        return switch (group) {
            case "hosts", "host" -> hosts(verb, args);
            case "alloc", "allocations" -> allocations(verb, args);
            case "tasks", "task" -> tasks(verb, args);
            case "ops", "operations" -> operations(verb, args);
            case "exec" -> exec(args);
            case "cleanup" -> cleanup(args);
            case "agent-token" -> {
                // The token to install on a host as its fleetlink.agent.auth.token-file (admin only).
                boolean exec = args.flag("exec");
                args.expect(2);
                Reply reply = http.get("/api/v1/agent-tokens/" + args.id(1, "host id"));
                if (reply.ok() && !jsonOutput) {
                    if (exec && reply.data().path("exec_token").isMissingNode()) {
                        err.println("fleetlink: exec tokens are not per host: set fleetlink.controller.agent-exec-token-secret-file on the controller");
                        yield ExitCodes.USAGE;
                    }
                    out.println(reply.data().path(exec ? "exec_token" : "token").asText());
                    yield ExitCodes.OK;
                }
                yield show(reply, this::fields);
            }
            case "join-token", "join-tokens" -> joinTokens(verb, args);
            default -> throw new UsageException("unknown command '" + group + "'");
        };
    }

    // ---- join tokens ------------------------------------------------------------------------

    private int joinTokens(String verb, Args args) throws UsageException, UnreachableException {
        return switch (verb) {
            case "create" -> {
                args.expect(2);
                Map<String, Object> body = new LinkedHashMap<>();
                if (args.has("uses")) {
                    body.put("uses", args.integer("uses"));
                }
                if (args.has("ttl")) {
                    body.put("ttl", args.option("ttl", ""));
                }
                if (args.has("description")) {
                    body.put("description", args.option("description", ""));
                }
                Reply reply = http.post("/api/v1/join-tokens", body);
                if (reply.ok() && !jsonOutput) {
                    // The token alone on stdout, so it can go straight into the agent's join.token-file.
                    out.println(reply.data().path("token").asText());
                    err.println("join token " + reply.data().path("token_id").asText() + ": "
                            + reply.data().path("max_uses").asInt() + (reply.data().path("max_uses").asInt() == 1 ? " use" : " uses")
                            + ", expires " + reply.data().path("expires_at").asText() + "; it is shown only now");
                    yield ExitCodes.OK;
                }
                yield show(reply, this::fields);
            }
            case "ls", "list" -> {
                args.expect(2);
                yield show(http.get("/api/v1/join-tokens"), this::joinTokenTable);
            }
            case "revoke", "rm" -> {
                args.expect(3);
                yield show(http.delete("/api/v1/join-tokens/" + args.id(2, "join token id")), this::fields);
            }
            default -> throw new UsageException("join-token: unknown or missing subcommand '" + verb + "' (create, ls, revoke)");
        };
    }

    private void joinTokenTable(JsonNode tokens) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("TOKEN ID", "STATE", "USES", "EXPIRES", "CREATED BY", "LAST USED", "DESCRIPTION"));
        for (JsonNode token : tokens) {
            rows.add(List.of(text(token, "token_id"), text(token, "state"),
                    token.path("uses").asInt() + "/" + token.path("max_uses").asInt(), text(token, "expires_at"),
                    text(token, "created_by"), text(token, "last_used_at"), text(token, "description")));
        }
        table(rows);
    }

    // ---- hosts ------------------------------------------------------------------------------

    private int hosts(String verb, Args args) throws UsageException, UnreachableException, InterruptedException {
        return switch (verb) {
            case "ls", "list" -> {
                args.expect(2);
                yield show(http.get("/api/v1/hosts"), this::hostTable);
            }
            case "get" -> show(http.get("/api/v1/hosts/" + args.id(2, "host id")), this::fields);
            case "register" -> {
                args.expect(4);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("host_id", args.id(2, "host id"));
                body.put("address", args.id(3, "address"));
                if (args.has("http-port")) {
                    body.put("http_port", args.integer("http-port"));
                }
                if (args.has("grpc-port")) {
                    body.put("grpc_port", args.integer("grpc-port"));
                }
                Map<String, String> labels = new LinkedHashMap<>();
                for (String label : args.all("label")) {
                    labels.putAll(pairs(label, "--label"));
                }
                if (!labels.isEmpty()) {
                    body.put("labels", labels);
                }
                yield show(http.post("/api/v1/hosts", body), this::fields);
            }
            case "rm", "deregister" -> {
                Reply reply = http.delete("/api/v1/hosts/" + args.id(2, "host id"));
                yield show(reply, data -> out.println(reply.message()));
            }
            case "drain" -> drain(args);
            case "undrain" -> show(http.post("/api/v1/hosts/" + args.id(2, "host id") + "/undrain",
                    Map.of("reason", args.option("reason", "undrained with the fleetlink CLI"))), this::fields);
            case "health" -> show(http.get("/api/v1/hosts/" + args.id(2, "host id") + "/health"), this::fields);
            case "info", "system-info" -> show(http.get("/api/v1/hosts/" + args.id(2, "host id") + "/system-info"),
                    this::fields);
            case "gpu-health" -> show(http.get("/api/v1/hosts/" + args.id(2, "host id") + "/gpu-health"), this::fields);
            default -> throw new UsageException("hosts: unknown or missing subcommand '" + verb
                    + "' (ls, get, register, rm, drain, undrain, health, info, gpu-health)");
        };
    }

    private int drain(Args args) throws UsageException, UnreachableException, InterruptedException {
        String hostId = args.id(2, "host id");
        if (!args.has("reason")) {
            throw new UsageException("hosts drain needs --reason TEXT (it is kept on the host and sent with the callback)");
        }
        Reply reply = http.post("/api/v1/hosts/" + hostId + "/drain", Map.of("reason", args.option("reason", "")));
        if (!reply.ok() || !args.flag("wait")) {
            return show(reply, this::fields);
        }
        return watch("/api/v1/hosts/" + hostId, data -> data.path("state").asText() + (data.path("allocation_id").isNull()
                ? " (drained, holds no allocation)" : " (draining, allocation " + data.path("allocation_id").asText() + ")"),
                data -> !data.path("drained").asBoolean() || data.path("allocation_id").isNull(),
                data -> !data.path("drained").asBoolean() || data.path("state").asText().equals("QUARANTINED"));
    }

    private void hostTable(JsonNode hosts) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("HOST", "ADDRESS", "STATE", "REACHABILITY", "ALLOCATION", "LAST SEEN", "DRAIN REASON"));
        for (JsonNode host : hosts) {
            String state = host.path("state").asText() + (host.path("drained").asBoolean()
                    ? host.path("allocation_id").isNull() ? ",DRAINED" : ",DRAINING" : "");
            rows.add(List.of(text(host, "host_id"), text(host, "address"), state, text(host, "reachability"),
                    text(host, "allocation_id"), text(host, "last_seen"), text(host, "drain_reason")));
        }
        table(rows);
    }

    // ---- allocations ------------------------------------------------------------------------

    private int allocations(String verb, Args args) throws UsageException, UnreachableException, IOException,
            InterruptedException {
        return switch (verb) {
            case "create" -> {
                args.expect(2);
                List<String> keys = new ArrayList<>(args.all("key-text"));
                for (String file : args.all("key")) {
                    keys.add(Files.readString(Path.of(file)).strip());
                }
                if (keys.isEmpty()) {
                    throw new UsageException("alloc create needs --key FILE or --key-text KEY (the tenant's public key)");
                }
                Reply reply = http.post("/api/v1/allocations", Map.of("host_id", args.required("host"),
                        "user", args.required("user"), "ssh_public_keys", keys));
                if (!reply.ok() || !args.flag("watch")) {
                    yield show(reply, this::fields);
                }
                yield watchAllocation(reply.data().path("allocation_id").asText(), Set.of("PROVISIONING"));
            }
            case "ls", "list" -> {
                args.expect(2);
                StringBuilder query = new StringBuilder();
                if (args.has("host")) {
                    query.append("host_id=").append(encode(args.option("host", "")));
                }
                if (args.has("status")) {
                    query.append(query.length() > 0 ? "&" : "").append("status=").append(encode(args.option("status", "")));
                }
                yield show(http.get("/api/v1/allocations" + (query.length() > 0 ? "?" + query : "")), this::allocationTable);
            }
            case "get" -> {
                String id = args.id(2, "allocation id");
                yield args.flag("watch")
                        ? watchAllocation(id, Set.of("PROVISIONING", "RELEASING"))
                        : show(http.get("/api/v1/allocations/" + id), this::fields);
            }
            case "release" -> {
                String id = args.id(2, "allocation id");
                Reply reply = http.post("/api/v1/allocations/" + id + "/release", null);
                if (!reply.ok() || !args.flag("watch")) {
                    yield show(reply, this::fields);
                }
                yield watchAllocation(id, Set.of("RELEASING"));
            }
            case "report" -> show(http.get("/api/v1/allocations/" + args.id(2, "allocation id") + "/report"), this::fields);
            default -> throw new UsageException("alloc: unknown or missing subcommand '" + verb
                    + "' (create, ls, get, release, report)");
        };
    }

    private int watchAllocation(String id, Set<String> moving) throws UnreachableException, InterruptedException {
        return watch("/api/v1/allocations/" + id,
                data -> data.path("status").asText() + (data.hasNonNull("error") ? ": " + data.get("error").asText() : ""),
                data -> !moving.contains(data.path("status").asText()),
                data -> ALLOCATION_FAILED.contains(data.path("status").asText()));
    }

    private void allocationTable(JsonNode allocations) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("ALLOCATION", "HOST", "USER", "STATUS", "OPERATION", "UPDATED", "ERROR"));
        for (JsonNode a : allocations) {
            rows.add(List.of(text(a, "allocation_id"), text(a, "host_id"), text(a, "user"), text(a, "status"),
                    text(a, "operation_id"), text(a, "updated_at"), text(a, "error")));
        }
        table(rows);
    }

    // ---- tasks and operations ----------------------------------------------------------------

    private int tasks(String verb, Args args) throws UsageException, UnreachableException {
        return switch (verb) {
            case "stop" -> show(http.post("/api/v1/tasks/" + encode(args.id(2, "task id")) + "/stop", null), this::fields);
            case "get" -> show(http.get("/api/v1/tasks/" + encode(args.id(2, "task id"))), this::fields);
            default -> throw new UsageException("tasks: unknown or missing subcommand '" + verb + "' (stop, get)");
        };
    }

    private int operations(String verb, Args args) throws UsageException, UnreachableException, InterruptedException {
        return switch (verb) {
            case "ls", "list" -> {
                args.expect(2);
                yield show(http.get("/api/v1/operations?target=" + encode(args.required("target"))), this::operationTable);
            }
            case "get" -> {
                String id = args.id(2, "operation id");
                yield args.flag("watch") ? watchOperation(id) : show(http.get("/api/v1/operations/" + id), this::fields);
            }
            case "cancel" -> show(http.post("/api/v1/operations/" + args.id(2, "operation id") + "/cancel", null),
                    this::fields);
            default -> throw new UsageException("ops: unknown or missing subcommand '" + verb + "' (ls, get, cancel)");
        };
    }

    private int watchOperation(String id) throws UnreachableException, InterruptedException {
        return watch("/api/v1/operations/" + id,
                data -> data.path("status").asText() + " (attempt " + data.path("attempts").asInt() + ")"
                        + (data.hasNonNull("last_error") ? ": " + data.get("last_error").asText() : ""),
                data -> OPERATION_DONE.contains(data.path("status").asText()),
                data -> data.path("status").asText().equals("FAILED"));
    }

    private void operationTable(JsonNode operations) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("OPERATION", "TYPE", "TARGET", "HOST", "STATUS", "ATTEMPTS", "UPDATED", "LAST ERROR"));
        for (JsonNode op : operations) {
            rows.add(List.of(text(op, "operation_id"), text(op, "type"), text(op, "target"), text(op, "host_id"),
                    text(op, "status"), text(op, "attempts"), text(op, "updated_at"), text(op, "last_error")));
        }
        table(rows);
    }

    // ---- exec and cleanup --------------------------------------------------------------------

    private int exec(Args args) throws UsageException, UnreachableException {
        if (args.command.isEmpty()) {
            throw new UsageException("exec needs the command after --, e.g. fleetlink exec gpu-01 -- nvidia-smi -L");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("command", args.command);
        int timeout = args.has("timeout") ? args.integer("timeout") : 30;
        body.put("timeout_seconds", timeout);
        if (args.has("user")) {
            body.put("user", args.option("user", ""));
        }
        if (args.has("selector")) {
            return fleetExec(args, body, timeout);
        }
        args.expect(2);
        String hostId = args.id(1, "host id (or --selector)");
        Reply reply = http.post("/api/v1/hosts/" + hostId + "/exec", body, Duration.ofSeconds(timeout + 30L));
        if (!reply.ok()) {
            err.println(hostId + ": error " + reply.status() + ": " + reply.message());
            if (jsonOutput) {
                printJson(reply.body());
            }
            return ExitCodes.forStatus(reply.status());
        }
        JsonNode data = reply.data();
        if (jsonOutput) {
            printJson(data);
        } else {
            data.path("stdout").asText().lines().forEach(out::println);
            data.path("stderr").asText().lines().forEach(err::println);
        }
        boolean ok = data.path("exit_code").asInt() == 0 && !data.path("timed_out").asBoolean();
        if (!ok && !jsonOutput) {
            err.println(hostId + ": exit code " + data.path("exit_code").asInt()
                    + (data.path("timed_out").asBoolean() ? " (timed out)" : ""));
        }
        return ok ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /**
     * {@code exec --selector k=v,...}: one call to the controller's fleet exec, which runs the command on
     * every matching host at once; each host's output is printed prefixed with its id.
     */
    private int fleetExec(Args args, Map<String, Object> body, int timeout) throws UsageException, UnreachableException {
        args.expect(1);
        body.put("selector", args.option("selector", ""));
        Reply reply = http.post("/api/v1/exec", body, Duration.ofSeconds(timeout + 60L));
        if (!reply.ok()) {
            return show(reply, data -> { });
        }
        JsonNode results = reply.data().path("results");
        if (jsonOutput) {
            printJson(reply.data());
        }
        int worst = ExitCodes.OK;
        for (JsonNode result : results) {
            String hostId = result.path("host_id").asText();
            String outcome = result.path("outcome").asText();
            if (!jsonOutput) {
                result.path("stdout").asText("").lines().forEach(line -> out.println(hostId + ": " + line));
                result.path("stderr").asText("").lines().forEach(line -> err.println(hostId + ": " + line));
                if ("FAILED".equals(outcome)) {
                    err.println(hostId + ": exit code " + result.path("exit_code").asInt()
                            + (result.path("timed_out").asBoolean() ? " (timed out)" : ""));
                } else if ("ERROR".equals(outcome)) {
                    err.println(hostId + ": error: " + result.path("error").asText());
                }
            }
            worst = Math.max(worst, "OK".equals(outcome) ? ExitCodes.OK : ExitCodes.FAILED);
        }
        if (!jsonOutput) {
            err.println(reply.message());
        }
        return worst;
    }

    private int cleanup(Args args) throws UsageException, UnreachableException, InterruptedException {
        String hostId = args.id(1, "host id");
        args.expect(2);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", args.required("user"));
        if (!args.all("type").isEmpty()) {
            body.put("types", args.all("type"));
        }
        Reply reply = http.post("/api/v1/hosts/" + hostId + "/cleanup", body);
        if (!reply.ok() || !args.flag("watch")) {
            return show(reply, this::fields);
        }
        return watchOperation(reply.data().path("operation_id").asText());
    }

    // ---- output ------------------------------------------------------------------------------

    private interface Render {
        void render(JsonNode data);
    }

    /** Prints a reply: its data (table or JSON) on success, the controller's message on stderr otherwise. */
    private int show(Reply reply, Render render) {
        if (!reply.ok()) {
            if (jsonOutput && reply.body() != null) {
                err.println(reply.body().toString());
            }
            err.println("error: " + reply.status() + ": " + reply.message());
            if (reply.status() == 404 && (reply.body() == null || !reply.body().has("success"))) {
                err.println("(the controller at " + http.url("") + " has no such endpoint; it may be an older version)");
            }
            return ExitCodes.forStatus(reply.status());
        }
        JsonNode data = reply.data();
        if (jsonOutput) {
            printJson(data);
        } else if (data == null || data.isNull()) {
            out.println(reply.message());
        } else {
            render.render(data);
        }
        return ExitCodes.OK;
    }

    /**
     * Polls {@code path} every second, printing a line whenever {@code describe} changes, until
     * {@code done}; exit 1 when {@code failed} holds at the end.
     */
    private int watch(String path, java.util.function.Function<JsonNode, String> describe, Predicate<JsonNode> done,
            Predicate<JsonNode> failed) throws UnreachableException, InterruptedException {
        String last = null;
        while (true) {
            Reply reply = http.get(path);
            if (!reply.ok()) {
                return show(reply, data -> { });
            }
            JsonNode data = reply.data();
            String now = describe.apply(data);
            if (!now.equals(last)) {
                if (jsonOutput) {
                    out.println(data.toString());
                } else {
                    out.println(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "  " + now);
                }
                last = now;
            }
            if (done.test(data)) {
                return failed.test(data) ? ExitCodes.FAILED : ExitCodes.OK;
            }
            Thread.sleep(pollInterval.toMillis());
        }
    }

    /** One "key: value" line per field; nested objects and arrays as compact JSON. */
    private void fields(JsonNode data) {
        if (!data.isObject()) {
            printJson(data);
            return;
        }
        int width = 0;
        for (Iterator<String> names = data.fieldNames(); names.hasNext();) {
            width = Math.max(width, names.next().length());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = data.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            String shown = value.isNull() ? "-" : value.isValueNode() ? value.asText() : value.toString();
            out.println(String.format("%-" + (width + 1) + "s %s", field.getKey() + ":", shown));
        }
    }

    private void table(List<List<String>> rows) {
        int[] widths = new int[rows.get(0).size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + (widths[i] + 2) + "s", row.get(i)));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private void printJson(JsonNode data) {
        try {
            out.println(json.writeValueAsString(data));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? "-" : value.asText();
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Map<String, String> pairs(String text, String option) throws UsageException {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UsageException(option + " takes KEY=VALUE, got '" + pair + "'");
            }
            pairs.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return pairs;
    }

    private int usage(String message) {
        err.println("error: " + message);
        err.println("run 'fleetlink --help' for the commands");
        return ExitCodes.USAGE;
    }

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** The command line: positional words, {@code --name value} options (repeatable), flags, and the argv after {@code --}. */
    static final class Args {
        final List<String> positional = new ArrayList<>();
        final Map<String, List<String>> options = new LinkedHashMap<>();
        final List<String> command = new ArrayList<>();

        static Args parse(String[] argv) throws UsageException {
            Args args = new Args();
            for (int i = 0; i < argv.length; i++) {
                String word = argv[i];
                if (word.equals("--")) {
                    args.command.addAll(List.of(argv).subList(i + 1, argv.length));
                    break;
                }
                if (word.equals("-o") || word.equals("-h")) {
                    word = word.equals("-o") ? "--o" : "--help";
                }
                if (word.startsWith("--") && word.length() > 2) {
                    String name = word.substring(2);
                    String value;
                    int eq = name.indexOf('=');
                    if (eq > 0) {
                        value = name.substring(eq + 1);
                        name = name.substring(0, eq);
                    } else if (FLAGS.contains(name)) {
                        value = "true";
                    } else if (i + 1 < argv.length) {
                        value = argv[++i];
                    } else {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    args.options.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
                } else {
                    args.positional.add(word);
                }
            }
            return args;
        }

        boolean has(String name) {
            return options.containsKey(name);
        }

        boolean flag(String name) {
            return has(name) && Boolean.parseBoolean(options.get(name).get(0));
        }

        String option(String name, String otherwise) {
            List<String> values = options.get(name);
            return values == null ? otherwise : values.get(values.size() - 1);
        }

        List<String> all(String name) {
            return options.getOrDefault(name, List.of());
        }

        String required(String name) throws UsageException {
            if (!has(name)) {
                throw new UsageException(positional.get(0) + (positional.size() > 1 ? " " + positional.get(1) : "")
                        + " needs --" + name);
            }
            return option(name, null);
        }

        int integer(String name) throws UsageException {
            try {
                return Integer.parseInt(option(name, ""));
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be a number, got '" + option(name, "") + "'");
            }
        }

        /** The positional word at {@code index}, which names something; it goes into a URL path, so no '/'. */
        String id(int index, String what) throws UsageException {
            if (positional.size() <= index) {
                throw new UsageException(String.join(" ", positional) + ": missing " + what);
            }
            String id = positional.get(index);
            if (id.contains("/") || id.contains("?") || id.contains("#")) {
                throw new UsageException(what + " '" + id + "' may not contain / ? #");
            }
            return id;
        }

        /** Fails when more positional words were given than the command takes. */
        void expect(int count) throws UsageException {
            if (positional.size() > count) {
                throw new UsageException("unexpected '" + positional.get(count) + "'");
            }
        }
    }
}
