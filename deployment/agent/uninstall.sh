#!/bin/sh
# Removes what install.sh installed. Keeps /etc/fleetlink (settings and token) and
# /var/lib/fleetlink (GPU baselines) unless --purge is given.
set -eu
[ "$(id -u)" = 0 ] || { echo "uninstall.sh: run as root" >&2; exit 1; }
systemctl disable --now fleetlink-agent.service 2>/dev/null || true
rm -f /etc/systemd/system/fleetlink-agent.service
systemctl daemon-reload
rm -f /usr/local/bin/fleetlink
rm -rf /opt/fleetlink
if [ "${1:-}" = "--purge" ]; then
    rm -rf /etc/fleetlink /var/lib/fleetlink
fi
echo "fleetlink agent removed${1:+ (purged)}"
