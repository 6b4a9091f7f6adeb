#!/usr/bin/env python3
"""The controller's share of an agent call, side by side: one agent, and one or two builds of the
controller (HTTP and gRPC to the agent each), measured in turns in one run, so that a busy machine
loads them alike and the ratios compare.

    bench/controller_path.py [--calls 600] [--before DIR] [--jfr DIR]

--before DIR: also start controllers from another build's quarkus-app directory (copy
target/quarkus-app aside before rebuilding) and measure them in the same rounds.
--jfr DIR: record the controllers with Java Flight Recorder into DIR (read the samples with
`jfr print --events jdk.ExecutionSample`). Rows: the direct ping and exec, then per controller
GET /api/v1/hosts/{id}/health and POST /api/v1/hosts/{id}/exec, p50/p99 and the ratio to direct.
Runs as root (the agent); everything it starts is stopped at the end.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

TRUE = {"command": ["/bin/true"], "timeout_seconds": 10}


def start_controller(procs, name, jar, protocol, jfr):
    port = harness.free_port()
    extra = []
    if jfr:
        extra = [f"-XX:StartFlightRecording=filename={Path(jfr) / (name + '.jfr')},settings=profile,dumponexit=true"]
    argv = ["java", *harness.CONTROLLER_JAVA.split(), *extra,
            "-Dfleetlink.role=controller", f"-Dfleetlink.controller.auth.token={harness.CONTROLLER_TOKEN}",
            f"-Dfleetlink.controller.agent-token={harness.AGENT_TOKEN}", f"-Dagent.protocol={protocol}",
            f"-Dquarkus.http.port={port}", f"-Dquarkus.management.port={harness.free_port()}",
            "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.log.level=WARN",
            f"-Dfleetlink.store.path={procs.work / ('h2-' + name)}", "-jar", str(jar)]
    return procs.start(name, argv), port


def call_with_id(api, path, body):
    api.headers["X-Request-Id"] = uuid.uuid4().hex
    api.headers["X-Fleetlink-Epoch"] = "0"
    return api.call("POST", path, body)


def sample(once, calls):
    samples = []
    for _ in range(calls):
        t0 = time.perf_counter()
        once()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def summary(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=600, help="calls per row, spread over 6 rounds")
    parser.add_argument("--before", help="quarkus-app directory of the build to compare against")
    parser.add_argument("--jfr", help="directory for flight recordings of the controllers")
    parser.add_argument("--rows", default="health,exec")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    builds = [("now", harness.JAR)]
    if args.before:
        builds.insert(0, ("before", Path(args.before) / "quarkus-app/quarkus-run.jar"
                          if (Path(args.before) / "quarkus-app").exists() else Path(args.before) / "quarkus-run.jar"))
    if args.jfr:
        Path(args.jfr).mkdir(parents=True, exist_ok=True)
    procs = harness.Processes()
    try:
        http_port, grpc_port = harness.free_port(), harness.free_port()
        agent = harness.start_agent(procs, 0, http_port, grpc_port)
        controllers = []
        for build, jar in builds:
            for protocol in ("http", "grpc"):
                proc, port = start_controller(procs, f"controller-{build}-{protocol}", jar, protocol, args.jfr)
                controllers.append((f"{build} {protocol}", proc, port))
        harness.wait_listening(http_port)
        harness.wait_listening(grpc_port)
        for _, _, port in controllers:
            harness.wait_listening(port)
        apis = {}
        for name, _, port in controllers:
            api = harness.Api(port, harness.CONTROLLER_TOKEN)
            api.call("POST", "/api/v1/hosts", {"host_id": "bench-00", "address": "127.0.0.1", "http_port": http_port,
                                                "grpc_port": grpc_port, "labels": {"bench": "yes"}}, expect=(201,))
            apis[name] = api
        direct = harness.Api(http_port, harness.AGENT_TOKEN)
        rows = {"ping direct": lambda: direct.call("GET", "/api/v1/ping")}
        if "exec" in args.rows:
            rows["exec direct"] = lambda: direct.call("POST", "/api/v1/command/exec", TRUE)
            # What the controller sends on every exec: a request id (the agent journals it) and the epoch.
            with_id = harness.Api(http_port, harness.AGENT_TOKEN)
            rows["exec direct + request id"] = lambda: call_with_id(with_id, "/api/v1/command/exec", TRUE)
        pids = {name: proc.pid for name, proc, _ in controllers}
        owner = {}
        for name, api in apis.items():
            owner[f"health {name}"] = owner[f"exec {name}"] = pids[name]
            if "health" in args.rows:
                rows[f"health {name}"] = lambda api=api: api.call("GET", "/api/v1/hosts/bench-00/health")
            if "exec" in args.rows:
                rows[f"exec {name}"] = lambda api=api: api.call("POST", "/api/v1/hosts/bench-00/exec", TRUE)
        for once in rows.values():  # warm-up: the JIT and the connections
            sample(once, 300)
        results = {name: [] for name in rows}
        cpu = {name: 0.0 for name in rows}  # the controller's CPU seconds over the row's calls (load-proof)
        rounds = 6
        for _ in range(rounds):
            for name, once in rows.items():
                pid = owner.get(name)
                before = harness.cpu_seconds(pid) if pid else 0.0
                results[name].extend(sample(once, max(1, args.calls // rounds)))
                cpu[name] += (harness.cpu_seconds(pid) - before) if pid else 0.0
        ping = summary(results["ping direct"])[0]
        exec_direct = summary(results["exec direct"])[0] if "exec direct" in results else None
        print("| row | p50 ms | p99 ms | vs direct (exec through a controller: vs direct with a request id) "
              "| controller CPU ms per call |")
        print("|---|---|---|---|---|")
        for name, samples in results.items():
            p50, p99 = summary(samples)
            base = ping if name.startswith(("ping", "health")) else exec_direct
            if name.startswith("exec") and "exec direct + request id" in results and not name.startswith("exec direct"):
                base = summary(results["exec direct + request id"])[0]
            per_call = f"{cpu[name] * 1000 / len(samples):.2f}" if name in owner else ""
            print(f"| {name} | {p50:.2f} | {p99:.2f} | {p50 / base:.2f}x (+{p50 - base:.2f} ms) | {per_call} |")
        print(f"agent pid {agent.pid}; controllers " + ", ".join(f"{n} pid {p.pid}" for n, p, _ in controllers))
    finally:
        procs.stop()


if __name__ == "__main__":
    main()
