#!/bin/sh
# Installs the Fleetlink agent on this GPU machine, as root:
#   ./deployment/agent/install.sh            the native binary target/*-runner  → /usr/local/bin/fleetlink
#   ./deployment/agent/install.sh --jvm      the JVM build target/quarkus-app   → /opt/fleetlink (needs java 17+),
#                                            with its launcher fleetlink-agent-jvm and jvm.options
# and in both cases: /etc/fleetlink/agent.yaml (kept if present), a fresh token in
# /etc/fleetlink/agent.token (0600, kept if present), the systemd unit, then starts the agent.
# Give the controller the same token (fleetlink.controller.agent-token-file). Undo: uninstall.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
mode=native
[ "${1:-}" = "--jvm" ] && mode=jvm

if [ "$mode" = jvm ]; then
    [ -f "$repo/target/quarkus-app/quarkus-run.jar" ] || { echo "install.sh: build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
    command -v java >/dev/null || { echo "install.sh: the JVM unit needs java 17+ at /usr/bin/java" >&2; exit 1; }
    rm -rf /opt/fleetlink.new && cp -r "$repo/target/quarkus-app" /opt/fleetlink.new
    install -m 0755 "$here/fleetlink-agent-jvm" /opt/fleetlink.new/fleetlink-agent-jvm
    install -m 0644 "$here/jvm.options" /opt/fleetlink.new/jvm.options
    rm -rf /opt/fleetlink && mv /opt/fleetlink.new /opt/fleetlink
    install -m 0644 "$here/fleetlink-agent-jvm.service" /etc/systemd/system/fleetlink-agent.service
else
    runner=$(ls "$repo"/target/*-runner 2>/dev/null | head -n1 || true)
    [ -n "$runner" ] || { echo "install.sh: no native binary; ./mvnw package -Dquarkus.native.enabled=true, or use --jvm" >&2; exit 1; }
    install -m 0755 "$runner" /usr/local/bin/fleetlink
    install -m 0644 "$here/fleetlink-agent.service" /etc/systemd/system/fleetlink-agent.service
fi

install -d -m 0755 /etc/fleetlink
[ -f /etc/fleetlink/agent.yaml ] || install -m 0644 "$here/agent.yaml" /etc/fleetlink/agent.yaml
if [ ! -f /etc/fleetlink/agent.token ]; then
    (umask 077; head -c 32 /dev/urandom | base64 > /etc/fleetlink/agent.token)
fi
chmod 0600 /etc/fleetlink/agent.token
chown root:root /etc/fleetlink/agent.token

systemctl daemon-reload
systemctl enable --now fleetlink-agent.service
echo "fleetlink agent installed ($mode) and started; token in /etc/fleetlink/agent.token"
echo "check: curl -sf http://127.0.0.1:9000/q/health/ready"
