#!/usr/bin/env python3
"""Only the harness's pipeline rows (allocate→READY + release→RELEASED on H2, PostgreSQL and two
PostgreSQL replicas), with where a cycle's time goes; for working on the pipelines.

    bench/pipelines.py [--hosts 20] [--cycles 400] [--only H2|PostgreSQL|two]

Run as root, after ./mvnw -B package -DskipTests. Same rules as bench/harness.py.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=400)
    parser.add_argument("--only", default=os.environ.get("FLEETLINK_BENCH_ONLY"),
                        help="run only the rows whose label contains this (H2, PostgreSQL, two)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the agents kill processes and reset keys of real users")
    if not harness.JAR.exists():
        sys.exit(f"{harness.JAR} is missing: ./mvnw -B package -DskipTests")
    if args.only:
        os.environ["FLEETLINK_BENCH_ONLY"] = args.only
    procs = harness.Processes()
    try:
        rows = harness.pipeline_rows(procs, [], args.hosts, args.cycles)
        print("\n".join(["| Work | p50 ms | p99 ms | CPU s | rate | |", "|---|---|---|---|---|---|", *rows]))
    finally:
        procs.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
