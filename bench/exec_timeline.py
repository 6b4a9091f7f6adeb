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
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

EVENTS = ["syscalls:sys_enter_sendto", "syscalls:sys_exit_recvfrom", "syscalls:sys_exit_read",
          "syscalls:sys_enter_write", "syscalls:sys_enter_writev", "syscalls:sys_exit_wait4",
          "syscalls:sys_exit_waitid", "sched:sched_process_exec", "sched:sched_process_exit"]
SEGMENTS = ["1 client -> agent reads the request", "2 -> command written to a launcher",
            "3 -> launcher has exec'd /bin/true", "4 -> /bin/true has exited", "5 -> the JVM has waited for it",
            "6 -> agent writes the response", "7 -> client has the response"]


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
    if not harness.JAR.exists():
        sys.exit(f"{harness.JAR} is missing: ./mvnw -B package -DskipTests (or bench/harness.py --build)")
    procs = harness.Processes()
    try:
        # The harness's agent: shipped JVM settings, exec of /bin/true allowed.
        http_port, grpc_port = harness.free_port(), harness.free_port()
        agent = harness.start_agent(procs, 0, http_port, grpc_port)
        harness.wait_listening(http_port)
        api = harness.Api(http_port, harness.AGENT_TOKEN)
        body = {"command": ["/bin/true"], "timeout_seconds": 10}

        def exec_true():
            api.call("POST", "/api/v1/command/exec", body)

        latencies = []
        for _ in range(args.warm):
            started = time.perf_counter()
            exec_true()
            latencies.append((time.perf_counter() - started) * 1e3)
        untraced = statistics.median(latencies[len(latencies) // 2:])
        calls = parse(record(procs.work, exec_true, args.traced), os.getpid())
    finally:
        procs.stop()
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
