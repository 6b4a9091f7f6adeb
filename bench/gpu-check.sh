#!/bin/sh
# gpu-check.sh: validates the agent's nvidia-smi parsing against the real tool, on a machine with NVIDIA
# GPUs (the test suite only has a stand-in). Not run by the tests. Changes nothing on the machine: no
# reset, no state file, no signal; reading /dev/kmsg needs root (or pass "none" as the kernel log).
#
#   ./mvnw -B package -DskipTests          # once, anywhere with the sources; copy target/quarkus-app over if needed
#   sudo bench/gpu-check.sh [OUT_DIR] [KERNEL_LOG]   # OUT_DIR default ./gpu-check-<host>; KERNEL_LOG default /dev/kmsg
#
# It runs the agent's own probes (io.fleetlink.agent.os.GpuCheck) through a recording wrapper around the
# real nvidia-smi, so OUT_DIR holds each exact query the agent ran (N.args), its output (N.stdout,
# N.stderr) and exit status (N.rc), plus report.txt: what the parsers made of each answer and the
# health checks' verdict. Exit 0: every probe answered and was understood; send OUT_DIR with a bug report
# otherwise. FLEETLINK_HOME: the build (default target/quarkus-app); NVIDIA_SMI: the real program.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
app=${FLEETLINK_HOME:-$here/target/quarkus-app}
out=${1:-./gpu-check-$(hostname)}
kernel_log=${2:-/dev/kmsg}
real=${NVIDIA_SMI:-$(command -v nvidia-smi || true)}
[ -f "$app/quarkus-run.jar" ] || { echo "no build at $app: run ./mvnw -B package -DskipTests" >&2; exit 2; }
[ -n "$real" ] || { echo "nvidia-smi not found (set NVIDIA_SMI)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.args "$out"/*.stdout "$out"/*.stderr "$out"/*.rc "$out"/.n
# The wrapper numbers each run and keeps what it was asked and what nvidia-smi answered.
cat > "$out/nvidia-smi" <<WRAP
#!/bin/sh
n=\$((\$(cat "$out/.n" 2>/dev/null || echo 0) + 1)); echo \$n > "$out/.n"
printf '%s\n' "\$*" > "$out/\$n.args"
"$real" "\$@" > "$out/\$n.stdout" 2> "$out/\$n.stderr"; rc=\$?
echo \$rc > "$out/\$n.rc"
cat "$out/\$n.stdout"; cat "$out/\$n.stderr" >&2
exit \$rc
WRAP
chmod +x "$out/nvidia-smi"
"$real" --version > "$out/version.txt" 2>&1 || true
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
set +e
"$java" -cp "$app/app/*:$app/lib/main/*" io.fleetlink.agent.os.GpuCheck "$out/nvidia-smi" "$kernel_log" 30 > "$out/report.txt" 2>&1
rc=$?
cat "$out/report.txt"
set -e
echo "runs recorded in $out (N.args, N.stdout, N.stderr, N.rc), report in $out/report.txt"
exit $rc
