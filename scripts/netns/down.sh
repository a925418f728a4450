#!/usr/bin/env bash
# Removes the namespaces scripts/netns/up.sh TAG made (salvo-TAG-*), and with
# them their veth pairs and bridge; first it kills any process still running
# inside one of them (by its PID, as `ip netns pids` lists it). Nothing else
# is touched. Safe to run twice, or when up.sh stopped half-way.
#
#   scripts/netns/down.sh TAG
set -euo pipefail

[ $# = 1 ] || { echo "usage: $0 TAG" >&2; exit 2; }
tag=$1
[[ $tag =~ ^[a-z0-9]{1,12}$ ]] || { echo "netns: TAG must be 1-12 lower-case letters or digits, got '$tag'" >&2; exit 2; }
command -v ip >/dev/null || exit 0

for ns in $(ip netns list | awk -v p="salvo-$tag-" 'index($1, p) == 1 {print $1}'); do
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns delete "$ns"
done
