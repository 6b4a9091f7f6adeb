#!/usr/bin/env bash
# Fleetlink benchmark: starts the packaged agent on free loopback ports and measures Ping throughput
# and latency over HTTP (wrk) and gRPC (bench/GrpcPingLoad.java), plus the agent's resident memory
# idle and after load. Loopback only; every load loop is bounded in time and stops by itself.
#
#   bench/run.sh [seconds per run, default 10] [concurrency, default 32]
#
# Needs: a JDK 17, wrk (apt-get install wrk). Results are printed and appended to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${1:-10}
CONCURRENCY=${2:-32}
TOKEN=bench-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
JAR=target/quarkus-app/quarkus-run.jar

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
HTTP_PORT=$(free_port)
GRPC_PORT=$(free_port)
MGMT_PORT=$(free_port)
LOG=$(mktemp)

java -Xmx256m -Dfleetlink.role=agent -Dfleetlink.agent.auth.token="$TOKEN" \
     -Dquarkus.http.port="$HTTP_PORT" -Dquarkus.grpc.server.port="$GRPC_PORT" \
     -Dquarkus.management.port="$MGMT_PORT" -Dquarkus.log.level=WARN -jar "$JAR" >"$LOG" 2>&1 &
AGENT=$!
trap 'kill $AGENT 2>/dev/null; wait $AGENT 2>/dev/null; rm -f "$LOG"' EXIT

for _ in $(seq 1 300); do
  curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTP_PORT/api/v1/ping" && break
  sleep 0.2
done

rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$AGENT/status"; }
REPORT=$(mktemp)
{
  echo "== Fleetlink bench $(date -u +%Y-%m-%dT%H:%M:%SZ) commit $(git rev-parse --short HEAD 2>/dev/null || echo -) on $(nproc) cores"
  echo "agent RSS idle: $(rss)"

  wrk -t2 -c"$CONCURRENCY" -d5s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTP_PORT/api/v1/ping" >/dev/null
  echo "http ping (wrk -t2 -c$CONCURRENCY -d${SECONDS_PER_RUN}s, after a 5 s warm-up):"
  wrk -t2 -c"$CONCURRENCY" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $TOKEN" \
      "http://127.0.0.1:$HTTP_PORT/api/v1/ping" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors' | sed 's/^/  /'
  echo "http 401 path (no token, same load):"
  wrk -t2 -c"$CONCURRENCY" -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$HTTP_PORT/api/v1/ping" | grep -E 'Requests/sec' | sed 's/^/  /'

  CP="$(ls target/quarkus-app/lib/main/*.jar | tr '\n' ':')target/quarkus-app/app/$(ls target/quarkus-app/app | head -1)"
  java -cp "$CP" bench/GrpcPingLoad.java "$GRPC_PORT" "$TOKEN" "$SECONDS_PER_RUN" "$CONCURRENCY" 2>/dev/null | sed 's/^/  /'

  echo "agent RSS after load: $(rss)"
} | tee "$REPORT"

mkdir -p bench/results
cat "$REPORT" >> bench/results/history.txt
rm -f "$REPORT"
