#!/usr/bin/env python3
"""Fleetlink side by side with its peers, on one machine, as whole processes.

Starts agents and controllers from the packaged jar (one controller speaking HTTP to agents, one
speaking gRPC), private sshd instances for the peers (ssh, pssh, clush) and node_exporter, warms
everything, then measures each row and prints one markdown table: p50 and p99 latency, CPU seconds
per 1,000 calls (server and client processes, from /proc and getrusage) and resident memory.

    bench/harness.py [--quick] [--build] [--agents 4] [--hosts 16] [--cycles 200]

Run as root on a machine where nothing else is busy (numbers from a loaded machine mean nothing).
Needs: openssh-server, pssh, clustershell, prometheus-node-exporter (a missing peer is named and its
rows left out). The packaged jar is built first when it is missing (--build rebuilds it: a jar from an
older checkout measures that checkout). Everything listens on 127.0.0.1 on free ports and is stopped at the end;
the bench users it creates (flb*) are removed. The table is also appended to bench/results/.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import pwd
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JAR = Path(os.environ.get("FLEETLINK_BENCH_JAR", ROOT / "target/quarkus-app/quarkus-run.jar"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

AGENT_TOKEN = "bench-agent-" + uuid.uuid4().hex
CONTROLLER_TOKEN = "bench-controller-" + uuid.uuid4().hex

# The agent's shipped JVM settings: deployment/agent/jvm.options, what the launcher and the JVM unit use
# (a workload of one call at a time: small heap, C1 only, two event loops, few workers, vfork spawns).
def shipped_options(path):
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return " ".join(line for line in lines if line)


AGENT_JAVA = os.environ.get("FLEETLINK_AGENT_JAVA_OPTS", shipped_options(ROOT / "deployment/agent/jvm.options"))
# glibc makes an allocation arena per thread that touches malloc; two are plenty (the launcher sets it too).
AGENT_ENV = {**os.environ, "MALLOC_ARENA_MAX": "2"}
# The controller's shipped settings (Dockerfile.jvm): serial GC, a 128 MiB heap with a 24 MiB young
# generation, a capped code cache; about 235 MiB RSS with 1,000 hosts registered (300 MiB with -Xmx192m).
CONTROLLER_JAVA = os.environ.get("FLEETLINK_CONTROLLER_JAVA_OPTS",
                                 "-XX:+UseSerialGC -Xms32m -Xmx128m -Xmn24m -XX:ReservedCodeCacheSize=48m "
                                 "-XX:MetaspaceReclaimPolicy=aggressive")
CONTROLLER_ENV = {**os.environ, "MALLOC_ARENA_MAX": "2"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds}s")


def cpu_seconds(pid):
    """utime + stime of a process and of its waited-for children (sshd's per-connection processes)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    # Fields after the name start at state (3rd): utime 14, stime 15, cutime 16, cstime 17.
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLK_TCK


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Processes:
    """Everything started, so that it is all stopped at the end, whatever happened."""

    def __init__(self):
        self.started = []
        self.users = []
        self.work = Path(tempfile.mkdtemp(prefix="fleetlink-bench-"))

    def start(self, name, argv, **kwargs):
        log = open(self.work / f"{name}.log", "wb")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
        self.started.append(proc)
        return proc

    def stop(self):
        for proc in reversed(self.started):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for user in self.users:
            subprocess.run(["pkill", "-KILL", "-u", user], check=False)
            subprocess.run(["userdel", "-r", "-f", user], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.work, ignore_errors=True)


class Api:
    """A keep-alive HTTP/1.1 client for one server; the way a backend talks to Fleetlink."""

    def __init__(self, port, token):
        self.port = port
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=None, expect=(200,)):
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        if response.status not in expect:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None


def measure(name, calls, once, servers, warmup=None):
    """Runs once() calls times after warm-up; latency percentiles and CPU per 1,000 calls."""
    for _ in range(warmup if warmup is not None else max(20, calls // 5)):
        once()
    cpu_before = sum(cpu_seconds(pid) for pid in servers) + children_cpu() + time.process_time()
    samples = []
    started = time.perf_counter()
    for _ in range(calls):
        t0 = time.perf_counter()
        once()
        samples.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - started
    cpu = sum(cpu_seconds(pid) for pid in servers) + children_cpu() + time.process_time() - cpu_before
    samples.sort()
    return {
        "name": name,
        "calls": calls,
        "p50": statistics.median(samples),
        "mean": statistics.fmean(samples),
        "p99": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        "cpu_per_1000": cpu / calls * 1000,
        "per_s": calls / wall,
    }


def start_agent(procs, index, http_port, grpc_port):
    state = procs.work / f"agent-{index}-state"
    state.mkdir()
    argv = ["java", *AGENT_JAVA.split(),
            "-Dfleetlink.role=agent", f"-Dfleetlink.agent.host-id=bench-agent-{index}",
            f"-Dfleetlink.agent.auth.token={AGENT_TOKEN}",
            f"-Dquarkus.http.port={http_port}", f"-Dquarkus.grpc.server.port={grpc_port}",
            f"-Dquarkus.management.port={free_port()}", "-Dquarkus.http.host=127.0.0.1",
            "-Dquarkus.grpc.server.host=127.0.0.1",
            "-Dfleetlink.agent.exec.enabled=true", "-Dfleetlink.agent.exec.allowed-commands=/bin/true",
            # The bench's controller execs with its one token; the default operations leave exec out.
            "-Dfleetlink.agent.auth.operations=exec,cleanup,ssh-reset,stop,mount,gpu-health",
            f"-Dfleetlink.agent.gpu.state-dir={state}", f"-Dfleetlink.agent.state-dir={state}",
            "-Dquarkus.log.level=WARN", "-jar", str(JAR)]
    return procs.start(f"agent-{index}", argv, env=AGENT_ENV)


# A controller's management port (its /q/metrics) by its pid.
MANAGEMENT_PORTS = {}


def start_controller(procs, name, protocol, store_args):
    port, management = free_port(), free_port()
    argv = ["java", *CONTROLLER_JAVA.split(),
            "-Dfleetlink.role=controller", f"-Dfleetlink.controller.auth.token={CONTROLLER_TOKEN}",
            f"-Dfleetlink.controller.agent-token={AGENT_TOKEN}", f"-Dagent.protocol={protocol}",
            f"-Dquarkus.http.port={port}", f"-Dquarkus.management.port={management}",
            "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.log.level=WARN", *store_args, "-jar", str(JAR)]
    proc = procs.start(name, argv, env=CONTROLLER_ENV)
    MANAGEMENT_PORTS[proc.pid] = management
    return proc, port


def agent_call_totals(controller_pid, operation):
    """The controller's own timer of its successful agent calls (fleetlink.agent.requests): (count, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", MANAGEMENT_PORTS[controller_pid], timeout=30)
    conn.request("GET", "/q/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    count = seconds = 0.0
    for line in text.splitlines():
        if f'operation="{operation}"' in line and 'outcome="success"' in line:
            name, value = line.rsplit(" ", 1)
            if name.startswith("fleetlink_agent_requests_seconds_count{"):
                count += float(value)
            elif name.startswith("fleetlink_agent_requests_seconds_sum{"):
                seconds += float(value)
    return count, seconds


def start_sshd(procs, index, key_pub):
    port = free_port()
    directory = procs.work / f"sshd-{index}"
    directory.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(directory / "hostkey")], check=True)
    (directory / "authorized_keys").write_text(key_pub)
    # sshd reads it as the peer user (a public key: readable by all is fine); the work dir is passable.
    os.chmod(directory / "authorized_keys", 0o644)
    os.chmod(procs.work, 0o711)
    config = directory / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {directory / 'hostkey'}",
        f"PidFile {directory / 'sshd.pid'}", f"AuthorizedKeysFile {directory / 'authorized_keys'}",
        "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "UsePAM no", "StrictModes no", "MaxStartups 100:30:200", "MaxSessions 100", ""]))
    Path("/run/sshd").mkdir(exist_ok=True)
    proc = procs.start(f"sshd-{index}", [shutil.which("sshd") or "/usr/sbin/sshd", "-D", "-e", "-f", str(config)])
    return proc, port


def row(result, peer=None, note=""):
    """One table row; with a peer, how many times faster (p50) Fleetlink is, and any note after it."""
    ratio = ""
    if peer is not None:
        ratio = (f"{peer['p50'] / result['p50']:.0f}x faster than {peer['name'].removeprefix('peer: ')}"
                 if result["p50"] <= peer["p50"] else
                 f"{result['p50'] / peer['p50']:.1f}x slower than {peer['name'].removeprefix('peer: ')}")
    ratio = "; ".join(part for part in (ratio, note) if part)
    return (f"| {result['name']} | {result['p50']:.2f} | {result['p99']:.2f} | {result['cpu_per_1000']:.2f} | "
            f"{result['per_s']:.0f} | {ratio} |")


def build():
    """Packages this checkout (about a minute); an explicit FLEETLINK_BENCH_JAR is never built over."""
    if "FLEETLINK_BENCH_JAR" in os.environ:
        if not JAR.exists():
            sys.exit(f"FLEETLINK_BENCH_JAR={JAR} does not exist")
        return
    print(f"packaging this checkout: ./mvnw -B -q package -DskipTests (into {JAR.parent})", file=sys.stderr, flush=True)
    done = subprocess.run([str(ROOT / "mvnw"), "-B", "-q", "package", "-DskipTests"], cwd=ROOT)
    if done.returncode != 0 or not JAR.exists():
        sys.exit(f"the build failed (exit {done.returncode}); run ./mvnw -B package -DskipTests to see why")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few calls: checks the harness, numbers are noise")
    parser.add_argument("--build", action="store_true", help="package this checkout first even if a jar is there")
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--hosts", type=int, default=16, help="hosts in the fan-out rows (spread over the agents)")
    parser.add_argument("--cycles", type=int, default=200, help="allocate+release cycles")
    parser.add_argument("--pipeline-hosts", type=int, default=20,
                        help="hosts (one agent each) in the pipeline rows; agents are added as needed")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the agents kill processes and reset keys of real users")
    if args.build or not JAR.exists():
        build()
    scale = 0.1 if args.quick else 1.0
    n = lambda calls: max(10, int(calls * scale))  # noqa: E731

    procs = Processes()
    try:
        return run(procs, args, n)
    finally:
        procs.stop()


def run(procs, args, n):
    missing = [tool for tool in ("sshd", "ssh", "parallel-ssh", "clush", "prometheus-node-exporter")
               if not (shutil.which(tool) or (tool == "sshd" and Path("/usr/sbin/sshd").exists()))]
    if missing:
        print(f"peers left out, not installed: {', '.join(missing)} "
              "(apt-get install -y openssh-server pssh clustershell prometheus-node-exporter)", file=sys.stderr, flush=True)
    peers_ok = not {"sshd", "ssh", "parallel-ssh", "clush"} & set(missing)
    exporter = shutil.which("prometheus-node-exporter")

    agents = []
    for index in range(args.agents):
        http_port, grpc_port = free_port(), free_port()
        agents.append((start_agent(procs, index, http_port, grpc_port), http_port, grpc_port))
    http_controller, http_api_port = start_controller(procs, "controller-http", "http",
                                                      [f"-Dfleetlink.store.path={procs.work / 'h2-http'}"])
    grpc_controller, grpc_api_port = start_controller(procs, "controller-grpc", "grpc",
                                                      [f"-Dfleetlink.store.path={procs.work / 'h2-grpc'}"])
    for _, http_port, grpc_port in agents:
        wait_listening(http_port)
        wait_listening(grpc_port)
    wait_listening(http_api_port)
    wait_listening(grpc_api_port)
    agent_pids = [proc.pid for proc, _, _ in agents]

    # Hosts: args.hosts registrations spread over the agents, on both controllers.
    host_ids = []
    for controller_port in (http_api_port, grpc_api_port):
        api = Api(controller_port, CONTROLLER_TOKEN)
        for index in range(args.hosts):
            _, http_port, grpc_port = agents[index % len(agents)]
            host_id = f"bench-{index:02d}"
            api.call("POST", "/api/v1/hosts", {"host_id": host_id, "address": "127.0.0.1", "http_port": http_port,
                                                "grpc_port": grpc_port, "labels": {"bench": "yes"}}, expect=(201,))
            if controller_port == http_api_port:
                host_ids.append(host_id)

    results = []
    direct = Api(agents[0][1], AGENT_TOKEN)
    via_http = Api(http_api_port, CONTROLLER_TOKEN)
    via_grpc = Api(grpc_api_port, CONTROLLER_TOKEN)
    true_cmd = {"command": ["/bin/true"], "timeout_seconds": 10}

    ping = measure("agent ping, direct (HTTP keep-alive)", n(2000),
                   lambda: direct.call("GET", "/api/v1/ping"), agent_pids)
    results.append(row(ping))
    timed_rows = []
    for label, api, controller in (("HTTP", via_http, http_controller), ("gRPC", via_grpc, grpc_controller)):
        before = agent_call_totals(controller.pid, "ping")
        health = measure(f"controller → agent health ({label})", n(1000),
                         lambda api=api: api.call("GET", "/api/v1/hosts/bench-00/health"),
                         agent_pids + [controller.pid])
        after = agent_call_totals(controller.pid, "ping")
        results.append(row(health, note=f"{health['p50'] / ping['p50']:.1f}x the direct ping"))
        # The same calls as the controller's client layer times them (guard, breaker, deadline, client, the
        # agent): what a call to an agent costs the controller, without the caller's hop to the controller's API.
        # Its timer has no buckets below 1 ms, so means are compared, not medians.
        calls = after[0] - before[0]
        if calls > 0:
            mean = (after[1] - before[1]) / calls * 1000
            timed_rows.append(f"| controller → agent ping as the controller times it ({label}), mean of {calls:.0f} "
                              f"| {mean:.2f} (mean) | | | | {mean / ping['mean']:.1f}x the direct ping's mean "
                              f"({ping['mean']:.2f} ms) |")
    results += timed_rows
    exec_direct = measure("exec /bin/true, direct to the agent", n(500),
                          lambda: direct.call("POST", "/api/v1/command/exec", true_cmd), agent_pids)
    exec_http = measure("exec /bin/true through the controller (HTTP)", n(500),
                        lambda: via_http.call("POST", "/api/v1/hosts/bench-00/exec", true_cmd),
                        agent_pids + [http_controller.pid])
    exec_grpc = measure("exec /bin/true through the controller (gRPC)", n(500),
                        lambda: via_grpc.call("POST", "/api/v1/hosts/bench-00/exec", true_cmd),
                        agent_pids + [grpc_controller.pid])
    fan_out = measure(f"fan-out: exec /bin/true on {args.hosts} hosts (POST /api/v1/exec)", n(100),
                      lambda: via_http.call("POST", "/api/v1/exec", {"selector": "bench=yes", **true_cmd,
                                                                     "concurrency": args.hosts}),
                      agent_pids + [http_controller.pid])

    peer_rows = []
    if peers_ok:
        # The peers log in as a fresh account with the distribution's default shell files: a login as root
        # on a development machine runs whatever its .bashrc does (here pyenv's init, a few hundred ms),
        # which is not what ssh costs on a fleet host.
        peer_user = f"flb{uuid.uuid4().hex[:6]}"
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", peer_user], check=True)
        procs.users.append(peer_user)
        # No password, but not locked ('!'): sshd without PAM refuses a locked account even a key login.
        subprocess.run(["usermod", "-p", "*", peer_user], check=True)
        key = procs.work / "client_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        sshds = [start_sshd(procs, index, (procs.work / "client_key.pub").read_text()) for index in range(args.agents)]
        for _, port in sshds:
            wait_listening(port)
        ssh_config = procs.work / "ssh_config"
        ssh_config.write_text("".join(
            f"Host bench-{index:02d}\n  HostName 127.0.0.1\n  Port {sshds[index % len(sshds)][1]}\n"
            f"  User {peer_user}\n  IdentityFile {key}\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
            f"  LogLevel ERROR\n  BatchMode yes\n" for index in range(args.hosts)))
        sshd_pids = [proc.pid for proc, _ in sshds]
        ssh = measure("peer: ssh host true", n(50),
                      lambda: subprocess.run(["ssh", "-F", str(ssh_config), "bench-00", "true"], check=True),
                      sshd_pids, warmup=3)
        hosts = [f"bench-{index:02d}" for index in range(args.hosts)]
        pssh = measure(f"peer: pssh to {args.hosts} hosts, true", n(20),
                       lambda: subprocess.run(["parallel-ssh", "-p", str(args.hosts), "-x", f"-F {ssh_config}",
                                               "-H", " ".join(hosts), "true"], check=True, stdout=subprocess.DEVNULL),
                       sshd_pids, warmup=2)
        clush = measure(f"peer: clush to {args.hosts} hosts, true", n(20),
                        lambda: subprocess.run(["clush", "-f", str(args.hosts), "-o", f"-F {ssh_config}",
                                                "-w", ",".join(hosts), "true"], check=True, stdout=subprocess.DEVNULL),
                        sshd_pids, warmup=2)
        results.append(row(exec_direct, ssh))
        results.append(row(exec_http, ssh))
        results.append(row(exec_grpc, ssh))
        results.append(row(fan_out, pssh, note=f"{pssh['cpu_per_1000'] / fan_out['cpu_per_1000']:.0f}x less CPU than pssh"))
        peer_rows = [row(ssh), row(pssh), row(clush)]
    else:
        results += [row(exec_direct), row(exec_http), row(exec_grpc), row(fan_out)]
        peer_rows = ["| peers skipped: install openssh-server pssh clustershell | | | | | |"]

    # Pipelines on H2, PostgreSQL and two PostgreSQL replicas, one host per agent (see pipeline_rows).
    cycle_rows = pipeline_rows(procs, agents, args.pipeline_hosts, args.cycles if n(100) >= 100 else 20)

    # Memory. One agent after 10,000 mixed calls (ping, system info, exec /bin/true, a third each) on top
    # of the rows above; the others after the rows above only. The HTTP controller with 1,000 hosts
    # registered (100 with --quick): the extra hosts point at a port where nothing listens (they cost the controller its
    # directory and reachability checks, the agents nothing).
    mixed = n(10000)
    mixed_calls(direct, mixed, true_cmd)
    others = agent_pids[1:] or agent_pids
    memory = [f"| agent RSS after {mixed:,} mixed calls (ping, system info, exec) | {rss_mib(agent_pids[0]):.0f} MiB |",
              f"| agent RSS after the rows above (median of {len(others)}) | {statistics.median(rss_mib(p) for p in others):.0f} MiB |",
              f"| controller RSS after load, {args.hosts} hosts (gRPC) | {rss_mib(grpc_controller.pid):.0f} MiB |"]
    registered = register_hosts(via_http, args.hosts, max(args.hosts, n(1000)))
    memory.append(f"| controller RSS after load, {registered:,} hosts registered (HTTP) | {rss_mib(http_controller.pid):.0f} MiB |")
    if exporter:
        port = free_port()
        node = procs.start("node-exporter", [exporter, f"--web.listen-address=127.0.0.1:{port}"])
        wait_listening(port)
        for _ in range(n(200)):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/metrics")
            conn.getresponse().read()
            conn.close()
        memory.append(f"| peer: prometheus-node-exporter RSS after {n(200)} scrapes | {rss_mib(node.pid):.0f} MiB |")

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [f"Fleetlink bench, commit {head or '-'}, {os.cpu_count()} cores, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; agent JVM `{AGENT_JAVA}`",
             "",
             "| Work | p50 ms | p99 ms | CPU s / 1,000 calls | calls/s | vs peer |",
             "|---|---|---|---|---|---|",
             *results, *peer_rows, *cycle_rows,
             "",
             "| Memory | RSS |", "|---|---|", *memory]
    table = "\n".join(lines)
    print(table)
    results_dir = ROOT / "bench/results"
    results_dir.mkdir(exist_ok=True)
    with open(results_dir / "harness.md", "a") as history:
        history.write(table + "\n\n")
    return 0


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * fraction + 0.5) - 1))]


def start_postgres(procs):
    """A private PostgreSQL cluster (Debian's binaries, initdb as postgres) on a free port; its URL args.

    fsync stays on (a real store) unless FLEETLINK_BENCH_PG_FSYNC=off."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) if Path("/usr/lib/postgresql").is_dir() else []
    if not versions:
        return None
    bin_dir = versions[-1].parent
    os.chmod(procs.work, 0o711)  # postgres must reach its directory; the files keep their own modes
    directory = procs.work / "pg"
    directory.mkdir()
    shutil.chown(directory, "postgres", "postgres")
    data = directory / "data"
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "fleetlink",
                    "-E", "UTF8", "--no-sync"], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    fsync = os.environ.get("FLEETLINK_BENCH_PG_FSYNC", "on")
    procs.start("postgres", [*as_postgres, str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
                             "-k", str(directory), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
                             "-c", f"fsync={fsync}"])
    wait_listening(port)
    for _ in range(100):
        if subprocess.run([*as_postgres, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                           "fleetlink", "fleetlink"], stderr=subprocess.DEVNULL).returncode == 0:
            break
        time.sleep(0.2)
    return ["-Dfleetlink.store.kind=postgresql", f"-Dfleetlink.store.url=postgresql://127.0.0.1:{port}/fleetlink",
            "-Dfleetlink.store.username=fleetlink", "-Dfleetlink.store.password=unused-with-trust-auth"]


def pipeline_rows(procs, agents, hosts, cycles):
    """allocate→READY then release→RELEASED, one host per agent (an agent is one machine with one fencing
    epoch), every host's cycles back to back, all hosts at once; on H2, on PostgreSQL, and on two
    PostgreSQL replicas (each host's allocation through one replica, its release through the other).

    Agents beyond the harness's own are started here. Besides each row, where a cycle's time goes: from
    a sample of operations' attempt logs (queued = created → agent call sent, agent = the call, record =
    call answered → operation finished) and the agents' per-step cleanup durations."""
    postgres = start_postgres(procs) if os.environ.get("FLEETLINK_BENCH_ONLY", "postgresql two").lower() != "h2" else None
    while len(agents) < hosts:
        http_port, grpc_port = free_port(), free_port()
        agents.append((start_agent(procs, len(agents), http_port, grpc_port), http_port, grpc_port))
    for _, http_port, _ in agents[:hosts]:
        wait_listening(http_port, 600)
    agents = agents[:hosts]
    users = []
    for _ in agents:
        user = f"flb{uuid.uuid4().hex[:6]}"
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", user], check=True)
        procs.users.append(user)
        users.append(user)
    key = procs.work / "tenant"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = (procs.work / "tenant.pub").read_text().strip()

    setups = [("H2", [f"-Dfleetlink.store.path={procs.work / 'h2-pipelines'}"], 1)]
    if postgres:
        setups += [("PostgreSQL", postgres, 1), ("PostgreSQL, two replicas", postgres, 2)]
    only = os.environ.get("FLEETLINK_BENCH_ONLY")
    rows, notes = [], []
    for index, (label, store_args, replicas) in enumerate(setups):
        if only and only.lower() not in label.lower():
            continue
        ports, pids = [], []
        for replica in range(replicas):
            proc, port = start_controller(procs, f"controller-pipelines-{index}-{replica}", "http",
                                          [*store_args, f"-Dfleetlink.controller.pipeline.replica-id=bench-{index}-{replica}"])
            ports.append(port)
            pids.append(proc.pid)
        for port in ports:
            wait_listening(port)
        api = Api(ports[0], CONTROLLER_TOKEN)
        host_ids = [f"pipe{index}-{i:02d}" for i in range(len(agents))]
        for host_id, (_, http_port, grpc_port) in zip(host_ids, agents):
            api.call("POST", "/api/v1/hosts", {"host_id": host_id, "address": "127.0.0.1", "http_port": http_port,
                                                "grpc_port": grpc_port, "labels": {"pipeline": "yes"}}, expect=(201,))
        # Warm-up: one cycle per host (the first call to an agent also raises the store's epoch past it).
        cycle_pipelines(ports, host_ids, users, public, len(host_ids))
        agent_pids = [proc.pid for proc, _, _ in agents]
        controller_before = sum(cpu_seconds(pid) for pid in pids)
        agents_before = sum(cpu_seconds(pid) for pid in agent_pids)
        client_before = time.process_time()
        result = cycle_pipelines(ports, host_ids, users, public, cycles)
        controller_cpu = sum(cpu_seconds(pid) for pid in pids) - controller_before
        agents_cpu = sum(cpu_seconds(pid) for pid in agent_pids) - agents_before
        cpu = controller_cpu + agents_cpu
        notes.append(f"{label}: CPU ms per cycle: controller{'s' if replicas > 1 else ''} "
                     f"{controller_cpu / result['done'] * 1000:.0f}, agents {agents_cpu / result['done'] * 1000:.0f}, "
                     f"this client {(time.process_time() - client_before) / result['done'] * 1000:.0f}; status polls per cycle "
                     f"{result['polls'] / result['done']:.0f}; processes on the machine {len(list(Path('/proc').glob('[0-9]*')))}")
        rows.append(f"| allocate→READY + release→RELEASED, {result['done']}+{result['done']} over {len(host_ids)} hosts "
                    f"({label}) | {percentile(result['ready'], 0.5):.0f} →READY, {percentile(result['released'], 0.5):.0f} "
                    f"→RELEASED | {percentile(result['ready'], 0.99):.0f} →READY, {percentile(result['released'], 0.99):.0f} "
                    f"→RELEASED | {cpu / result['done'] * 1000:.1f} per 1,000 cycles (controller{'s' if replicas > 1 else ''} "
                    f"+ agents) | {result['per_s']:.1f} cycles/s | |")
        notes.append(f"{label}: " + where_time_goes(api, result["allocation_ids"][-40:]))
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
    print("\n".join(["Pipelines, where a cycle's time goes (medians of the last 40 cycles, ms):", *notes]), flush=True)
    return rows


def cycle_pipelines(ports, host_ids, users, public, cycles):
    """Runs cycles over the hosts, each host's back to back; host i allocates through replica i and
    releases through the next one."""
    per_host = max(1, cycles // len(host_ids))
    ready_ms, released_ms, allocation_ids = [], [], []
    polls = [0]

    def worker(index):
        allocate_api = Api(ports[index % len(ports)], CONTROLLER_TOKEN)
        release_api = Api(ports[(index + 1) % len(ports)], CONTROLLER_TOKEN)
        for _ in range(per_host):
            t0 = time.perf_counter()
            allocation = allocate_api.call("POST", "/api/v1/allocations",
                                           {"host_id": host_ids[index], "user": users[index],
                                            "ssh_public_keys": [public]}, expect=(202,))
            allocation_id = allocation["data"]["allocation_id"]
            status = await_status(allocate_api, allocation_id, ("READY", "FAILED"), polls)
            t1 = time.perf_counter()
            ready_ms.append((t1 - t0) * 1000)
            if status != "READY":
                raise RuntimeError(f"allocation {allocation_id} ended {status}")
            release_api.call("POST", f"/api/v1/allocations/{allocation_id}/release", expect=(202,))
            if await_status(release_api, allocation_id, ("RELEASED", "CLEANUP_FAILED"), polls) != "RELEASED":
                raise RuntimeError(f"release of {allocation_id} failed")
            released_ms.append((time.perf_counter() - t1) * 1000)
            allocation_ids.append(allocation_id)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(len(host_ids)) as pool:
        for future in [pool.submit(worker, index) for index in range(len(host_ids))]:
            future.result()
    wall = time.perf_counter() - started
    done = per_host * len(host_ids)
    return {"done": done, "per_s": done / wall, "ready": ready_ms, "released": released_ms,
            "allocation_ids": allocation_ids, "polls": polls[0]}


def where_time_goes(api, allocation_ids):
    """Per operation type: created → first agent call (queued), the agent call, call answered → finished
    (record); and the agents' cleanup steps."""
    def ms(later, earlier):
        from datetime import datetime
        parse = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
        return (parse(later) - parse(earlier)).total_seconds() * 1000

    phases, steps = {}, {}
    for allocation_id in allocation_ids:
        for op in api.call("GET", f"/api/v1/operations?target={allocation_id}")["data"]:
            full = api.call("GET", f"/api/v1/operations/{op['operation_id']}")["data"]
            log = full.get("attempt_log") or []
            if not log or not full.get("finished_at"):
                continue
            kind = phases.setdefault(full["type"] if isinstance(full.get("type"), str) else str(full.get("type")), {})
            kind.setdefault("queued", []).append(ms(log[0]["started_at"], full["created_at"]))
            kind.setdefault("agent", []).append(ms(log[-1]["finished_at"], log[0]["started_at"]))
            kind.setdefault("record", []).append(ms(full["finished_at"], log[-1]["finished_at"]))
            kind.setdefault("attempts", []).append(len(log))
        report = api.call("GET", f"/api/v1/allocations/{allocation_id}/report", expect=(200, 404))
        for step in ((report or {}).get("data") or {}).get("steps") or []:
            steps.setdefault(step["type"], []).append(step.get("duration_ms") or 0)
    parts = []
    for kind, values in phases.items():
        parts.append(f"{kind}: " + ", ".join(f"{name} {statistics.median(v):.0f}" for name, v in values.items()))
    if steps:
        parts.append("cleanup steps: " + ", ".join(f"{name} {statistics.median(v):.0f}" for name, v in steps.items()))
    return "; ".join(parts)


def mixed_calls(api, calls, exec_body):
    """The agent's everyday mix, one call at a time: ping, system info, exec, in turn."""
    for index in range(calls):
        if index % 3 == 0:
            api.call("GET", "/api/v1/ping")
        elif index % 3 == 1:
            api.call("GET", "/api/v1/system/info")
        else:
            api.call("POST", "/api/v1/command/exec", exec_body)


def register_hosts(api, already, total):
    """Registers hosts until the controller has total; the new ones point at a port where nothing listens."""
    closed = free_port()
    for index in range(already, total):
        api.call("POST", "/api/v1/hosts", {"host_id": f"rss-{index:04d}", "address": "127.0.0.1", "http_port": closed,
                                            "grpc_port": closed, "labels": {"bench": "rss", "rack": f"r{index % 40}"}},
                 expect=(201,))
    api.call("GET", "/api/v1/hosts")
    time.sleep(5)  # a reachability round over the new hosts
    return max(already, total)


def await_status(api, allocation_id, final, polls=None):
    while True:
        if polls is not None:
            polls[0] += 1
        status = api.call("GET", f"/api/v1/allocations/{allocation_id}")["data"]["status"]
        if status in final:
            return status
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main())
