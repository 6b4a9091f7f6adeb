#!/usr/bin/env python3
"""Where a direct exec's wall time goes: one agent, back-to-back `exec /bin/true`, traced with perf.

Starts one agent from the packaged jar with the shipped JVM settings, warms it, then records a few
hundred back-to-back execs system-wide with `perf record` on a handful of tracepoints (the client's
send and receive, the agent's reads and writes, exec and exit of processes, the JVM's wait for its
child) and splits each call into segments:

    1 client sends -> agent's event loop reads the request
    2 -> the agent writes the command to a waiting launcher   (HTTP, JSON, checks, worker hand-off)
    3 -> the launcher has exec'd /bin/true                     (bash reads the command, cd, export)
    4 -> /bin/true has exited                                  (the program itself)
    5 -> the JVM's process reaper has waited for it
    6 -> the agent writes the response                         (output readers, cgroup check, JSON)
    7 -> the client has the response

Calls that found no launcher ready (started cold: sh, setsid, the program) are counted apart.

    bench/exec_timeline.py [--warm 2000] [--traced 300]

Run as root on an otherwise idle machine; needs perf (Debian: linux-perf) and the packaged jar
(./mvnw -B package -DskipTests, or bench/harness.py --build). Tracing costs a little: compare the
untraced p50 it prints first with the traced total.
"""

import argparse
import http.client
import json
import os
import re
import shutil
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
EVENTS = ["syscalls:sys_enter_sendto", "syscalls:sys_exit_recvfrom", "syscalls:sys_exit_read",
          "syscalls:sys_enter_write", "syscalls:sys_enter_writev", "syscalls:sys_exit_wait4",
          "syscalls:sys_exit_waitid", "sched:sched_process_exec", "sched:sched_process_exit"]
SEGMENTS = ["1 client -> agent reads the request", "2 -> command written to a launcher",
            "3 -> launcher has exec'd /bin/true", "4 -> /bin/true has exited", "5 -> the JVM has waited for it",
            "6 -> agent writes the response", "7 -> client has the response"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shipped_options():
    lines = (line.split("#", 1)[0].strip() for line in (ROOT / "deployment/agent/jvm.options").read_text().splitlines())
    return " ".join(line for line in lines if line).split()


def start_agent(work):
    token, port = "timeline-" + uuid.uuid4().hex, free_port()
    argv = ["java", *shipped_options(), "-Dfleetlink.role=agent", "-Dfleetlink.agent.host-id=timeline",
            f"-Dfleetlink.agent.auth.token={token}", f"-Dquarkus.http.port={port}",
            f"-Dquarkus.grpc.server.port={free_port()}", f"-Dquarkus.management.port={free_port()}",
            "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.grpc.server.host=127.0.0.1",
            "-Dfleetlink.agent.exec.enabled=true", "-Dfleetlink.agent.exec.allowed-commands=/bin/true",
            "-Dfleetlink.agent.auth.operations=exec", f"-Dfleetlink.agent.gpu.state-dir={work}",
            f"-Dfleetlink.agent.state-dir={work}", "-Dquarkus.log.level=WARN", "-jar", str(JAR)]
    agent = subprocess.Popen(argv, env={**os.environ, "MALLOC_ARENA_MAX": "2"},
                             stdout=open(work / "agent.log", "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        agent.kill()
        sys.exit(f"the agent did not listen within 120 s; see {work / 'agent.log'}")
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    body = json.dumps({"command": ["/bin/true"], "timeout_seconds": 10}).encode()

    def exec_true():
        conn.request("POST", "/api/v1/command/exec", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"exec: {response.status} {payload[:300]!r}")
    return agent, exec_true


def record(work, exec_true, calls):
    """perf record of `calls` execs; perf's own writes are filtered out (its pid is the shell's, by exec)."""
    data = work / "perf.data"
    command = f"exec perf record -q -a -o {data} " + " ".join(f"-e {e} --filter 'common_pid != '$$" for e in EVENTS)
    perf = subprocess.Popen(["sh", "-c", command], stderr=subprocess.DEVNULL)
    time.sleep(2)  # perf is recording
    for _ in range(calls):
        exec_true()
    time.sleep(0.3)
    perf.send_signal(2)
    perf.wait()
    script = subprocess.run(["perf", "script", "-i", str(data), "-F", "comm,pid,tid,time,event,trace"],
                            capture_output=True, text=True, check=True)
    return script.stdout


def parse(text, client_pid):
    events = []
    for line in text.splitlines():
        match = re.match(r"\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)", line)
        if match:
            comm, pid, _, at, event, rest = match.groups()
            events.append((float(at) * 1e3, comm.strip(), int(pid), event, rest))
    events.sort()
    calls, current = [], None
    for event in events:
        at, comm, pid, name, rest = event
        if pid == client_pid and name == "syscalls:sys_enter_sendto" and current is None:
            current = {"start": at, "events": []}
        elif current is not None:
            current["events"].append(event)
            if pid == client_pid and name == "syscalls:sys_exit_recvfrom":
                current["end"] = at
                calls.append(current)
                current = None
    return calls


def segments(call, agent_pid):
    """The seven boundaries of one warm call, or None when it started cold or a boundary is missing."""
    def first(test, after=0.0):
        return next((e[0] for e in call["events"] if e[0] >= after and test(e)), None)
    exec_true = first(lambda e: e[3] == "sched:sched_process_exec" and re.search(r"filename=\S*/true(\s|$)", e[4]))
    cold = first(lambda e: e[3] == "sched:sched_process_exec" and re.search(r"filename=\S*/sh(\s|$)", e[4]))
    if exec_true is None or (cold is not None and cold < exec_true):
        return None
    read = first(lambda e: e[2] == agent_pid and e[1].startswith("vert.x-eventloo") and e[3] == "syscalls:sys_exit_read")
    # The last write a worker makes before the program starts: the command, down the launcher's stdin.
    written = max((e[0] for e in call["events"] if e[0] < exec_true and e[2] == agent_pid
                   and e[1].startswith("executor-thread") and e[3] == "syscalls:sys_enter_write"), default=None)
    exited = first(lambda e: e[3] == "sched:sched_process_exit" and e[1] == "true", exec_true)
    waited = first(lambda e: e[2] == agent_pid and e[3] in ("syscalls:sys_exit_wait4", "syscalls:sys_exit_waitid"),
                   exited or exec_true)
    answered = first(lambda e: e[2] == agent_pid and e[1].startswith("vert.x-eventloo")
                     and e[3] in ("syscalls:sys_enter_write", "syscalls:sys_enter_writev"), waited or exec_true)
    marks = [call["start"], read, written, exec_true, exited, waited, answered, call["end"]]
    if any(mark is None for mark in marks):
        return None
    return [later - earlier for earlier, later in zip(marks, marks[1:])]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warm", type=int, default=2000, help="untraced execs first (the p50 printed)")
    parser.add_argument("--traced", type=int, default=300)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: perf records the whole machine")
    if not shutil.which("perf"):
        sys.exit("perf is not installed (Debian: apt-get install linux-perf)")
    if not JAR.exists():
        sys.exit(f"{JAR} is missing: ./mvnw -B package -DskipTests (or bench/harness.py --build)")
    work = Path(tempfile.mkdtemp(prefix="fleetlink-timeline-"))
    agent, exec_true = start_agent(work)
    try:
        latencies = []
        for _ in range(args.warm):
            started = time.perf_counter()
            exec_true()
            latencies.append((time.perf_counter() - started) * 1e3)
        untraced = statistics.median(latencies[len(latencies) // 2:])
        calls = parse(record(work, exec_true, args.traced), os.getpid())
    finally:
        agent.terminate()
        agent.wait()
        shutil.rmtree(work, ignore_errors=True)
    warm = [s for s in (segments(call, agent.pid) for call in calls) if s is not None]
    print(f"exec /bin/true direct to one agent: untraced p50 {untraced:.2f} ms over the last {len(latencies) // 2} "
          f"of {args.warm}; traced {len(calls)} calls, {len(warm)} from a waiting launcher, "
          f"{len(calls) - len(warm)} cold or not split\n")
    print("| segment of a call from a waiting launcher | p50 ms | p90 ms |")
    print("|---|---|---|")
    for index, name in enumerate(SEGMENTS):
        values = sorted(s[index] for s in warm)
        print(f"| {name} | {statistics.median(values):.2f} | {values[int(len(values) * 0.9)]:.2f} |")
    totals = sorted(sum(s) for s in warm)
    print(f"| total, traced | {statistics.median(totals):.2f} | {totals[int(len(totals) * 0.9)]:.2f} |")


if __name__ == "__main__":
    main()
