#!/usr/bin/env bash
# Fleetlink slow-connection bench: starts the packaged agent on free loopback ports, opens N
# half-open connections to its API port (each sends part of a request line, then nothing), and
# times an authenticated Ping (API port, a new connection per request, curl) and a readiness probe
# (management port, curl) before, while and after they are held. Prints a markdown table and how
# the agent dealt with the slow connections (closed at once over the connection cap, closed by
# the idle timeout). Loopback only; bounded in count and time; stops the agent when done.
#
#   bench/slow-connections.sh [N slow connections, default 3000] [samples per measurement, default 100]
#
# Needs: a JDK 17, python3, curl. Raises `ulimit -n` for itself where allowed.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-3000}
SAMPLES=${2:-100}
IDLE_TIMEOUT_S=30   # quarkus.http.idle-timeout in src/main/resources/application.yaml
TOKEN=bench-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
JAR=target/quarkus-app/quarkus-run.jar

[ "$N" -ge 1 ] && [ "$N" -le 20000 ] || { echo "N must be 1..20000" >&2; exit 2; }
[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests

# Room for N client sockets here, N accepted ones in the agent, and the agent's own files.
WANT=$((2 * N + 4096))
if [ "$(ulimit -n)" -lt "$WANT" ]; then
  ulimit -n "$WANT" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
HAVE=$(ulimit -n)
if [ "$HAVE" -lt $((N + 512)) ]; then
  N=$((HAVE - 512))
  echo "ulimit -n is $HAVE: holding $N connections instead" >&2
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
HTTP_PORT=$(free_port)
GRPC_PORT=$(free_port)
MGMT_PORT=$(free_port)
WORK=$(mktemp -d)

java -Xmx256m -Dfleetlink.role=agent -Dfleetlink.agent.auth.token="$TOKEN" \
     -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$HTTP_PORT" \
     -Dquarkus.grpc.server.host=127.0.0.1 -Dquarkus.grpc.server.port="$GRPC_PORT" \
     -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$MGMT_PORT" \
     -Dquarkus.log.level=WARN -jar "$JAR" >"$WORK/agent.log" 2>&1 &
AGENT=$!
HOLDER=
cleanup() {
  [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
  kill "$AGENT" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

PING_URL="http://127.0.0.1:$HTTP_PORT/api/v1/ping"
HEALTH_URL="http://127.0.0.1:$MGMT_PORT/q/health/ready"
for _ in $(seq 1 300); do
  curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "$PING_URL" && break
  kill -0 "$AGENT" 2>/dev/null || { cat "$WORK/agent.log" >&2; exit 1; }
  sleep 0.2
done

# One line per request: "<http code> <seconds>"; a failed connection prints code 000.
sample() { # name url [curl args...]
  local name=$1 url=$2; shift 2
  for _ in $(seq 1 "$SAMPLES"); do
    curl -s -o /dev/null -m 2 -w '%{http_code} %{time_total}\n' "$@" "$url" || true
  done >"$WORK/$name"
}
measure() { # phase
  sample "$1.ping" "$PING_URL" -H "Authorization: Bearer $TOKEN"
  sample "$1.health" "$HEALTH_URL"
}

measure warmup
measure before

# The slow clients: open N connections, send part of a request line on each, then hold them and
# note when the agent closes each one. Writes held.json once it has settled (3 s after the last
# connect) and final.json when every connection is closed or the deadline passed.
python3 - "$HTTP_PORT" "$N" "$WORK" $((IDLE_TIMEOUT_S + 30)) <<'PY' &
import errno, json, select, socket, sys, time
port, n, work, limit = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
start = time.monotonic()
socks, failed = {}, 0
for _ in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        failed += 1
        s.close()
        continue
    socks[s.fileno()] = s
poller = select.poll()
for fd in socks:
    poller.register(fd, select.POLLOUT)
pending, connected = set(socks), set()
until = time.monotonic() + 10
while pending and time.monotonic() < until:
    for fd, _ in poller.poll(200):
        if fd in pending:
            pending.discard(fd)
            poller.unregister(fd)
            if socks[fd].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                connected.add(fd)
failed += len(pending) + len(socks) - len(connected) - len(pending)
opened_at = time.monotonic()
closed = {}  # fd -> seconds after the connections were opened
for fd in connected:
    try:
        socks[fd].send(b"GET /api/v1/pi")  # part of a request line, never finished
    except OSError:
        closed[fd] = 0.0
        continue
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
def watch(seconds):
    until = time.monotonic() + seconds
    while len(closed) < len(connected) and time.monotonic() < until:
        for fd, _ in poller.poll(200):
            if fd in closed:
                continue
            try:
                data = socks[fd].recv(4096)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            except BlockingIOError:
                continue
            if data == b"":
                closed[fd] = time.monotonic() - opened_at
                poller.unregister(fd)
def snapshot(name):
    early = sum(1 for t in closed.values() if t < 3)
    late = sorted(t for t in closed.values() if t >= 3)
    json.dump({"requested": n, "connected": len(connected), "failed": failed,
               "closed_within_3s": early, "closed_later": len(late),
               "closed_later_first_s": round(late[0], 1) if late else None,
               "closed_later_last_s": round(late[-1], 1) if late else None,
               "open": len(connected) - len(closed)}, open(f"{work}/{name}.tmp", "w"))
    import os; os.replace(f"{work}/{name}.tmp", f"{work}/{name}.json")
watch(3)
snapshot("held")
watch(max(0.0, limit - (time.monotonic() - start)))
snapshot("final")
for s in socks.values():
    s.close()
PY
HOLDER=$!
for _ in $(seq 1 300); do [ -f "$WORK/held.json" ] && break; sleep 0.1; done
measure held
# The gRPC port while the API port is flooded: 3 s of closed-loop Ping, one call at a time.
CP="$(ls target/quarkus-app/lib/main/*.jar | tr '\n' ':')target/quarkus-app/app/$(ls target/quarkus-app/app | head -1)"
timeout 60 java -cp "$CP" bench/GrpcPingLoad.java "$GRPC_PORT" "$TOKEN" 3 1 >"$WORK/grpc.held" 2>/dev/null || echo "grpc ping failed" >"$WORK/grpc.held"
wait "$HOLDER" || true
HOLDER=
measure after

python3 - "$WORK" "$N" "$SAMPLES" "$(nproc)" $((IDLE_TIMEOUT_S + 30)) <<'PY'
import json, sys, time
work, n, samples, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def stats(name):
    rows = [line.split() for line in open(f"{work}/{name}")]
    ok = sorted(float(t) * 1000 for code, t in rows if code == "200")
    pct = lambda p: f"{ok[min(len(ok) - 1, int(p * len(ok)))]:.1f}" if ok else "-"
    return f"{pct(0.50)} | {pct(0.99)} | {len(ok)}/{len(rows)}"
held, final = (json.load(open(f"{work}/{f}.json")) for f in ("held", "final"))
print(f"Slow-connection bench, {time.strftime('%Y-%m-%d', time.gmtime())}, {cores} cores, "
      f"{n} half-open connections to the API port, {samples} requests per cell (curl, a new connection each).")
print()
print("| phase | ping p50 ms | ping p99 ms | ping 200s | health p50 ms | health p99 ms | health 200s |")
print("|---|---|---|---|---|---|---|")
for phase, label in (("before", "no slow connections"), ("held", f"{held['open']} slow connections held"),
                     ("after", "after the idle timeout")):
    print(f"| {label} | {stats(phase + '.ping')} | {stats(phase + '.health')} |")
print()
print(f"- slow connections: {held['connected']} of {held['requested']} connected ({held['failed']} failed to connect)")
print(f"- closed by the agent within 3 s (over `quarkus.http.limits.max-connections`): {held['closed_within_3s']}")
print(f"- held open by the agent at 3 s: {held['open']}")
print(f"- closed later (idle timeout): {final['closed_later']}, between {final['closed_later_first_s']} s "
      f"and {final['closed_later_last_s']} s after opening")
print(f"- gRPC Ping while the slow connections were held: {open(f'{work}/grpc.held').read().strip()}")
print(f"- still open when the bench stopped watching ({int(sys.argv[5])} s): {final['open']}")
PY
