#!/usr/bin/env bash
# Hosts on one machine: network namespaces, each with its own address on a
# private bridge, so that shards and a broker talk over a network that is not
# loopback (test/shards/netns.test.ts).
#
#   scripts/netns/up.sh TAG NAME...   one namespace salvo-TAG-NAME per NAME, with address 10.200.0.(i+1)/24
#                                     on eth0 (the first NAME gets .1, the next .2, ...), all joined by the
#                                     bridge br0 of a hub namespace salvo-TAG-hub; prints "NAMESPACE ADDRESS"
#                                     per NAME, in order
#   scripts/netns/up.sh --check       exit 0 if namespaces can be made here, else 77 and the reason on stderr
#
# Everything is made inside namespaces this script creates: the veth pairs are
# created in the hub and their far ends moved straight into each member, so
# the host's own network namespace gets no interface, address or route.
# scripts/netns/down.sh TAG removes it all. On failure half-way, up.sh removes
# what it made. Needs root and iproute2 (apt-get installs it when `ip` is missing).
set -euo pipefail

SUBNET=10.200.0

log() { echo "netns: $*" >&2; }

ensure_ip() {
  command -v ip >/dev/null && return
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 >/dev/null 2>&1 || true
  command -v ip >/dev/null
}

check() {
  [ "$(id -u)" = 0 ] || { log "not root (id -u is $(id -u)): network namespaces need CAP_SYS_ADMIN"; exit 77; }
  ensure_ip || { log "no 'ip' (iproute2) and apt-get could not install it"; exit 77; }
  local probe="salvo-probe-$$"
  local why
  if ! why=$(ip netns add "$probe" 2>&1); then
    log "cannot create a network namespace here: $why"
    exit 77
  fi
  if ! why=$(ip -n "$probe" link add probe0 type bridge 2>&1); then
    ip netns delete "$probe" 2>/dev/null || true
    log "cannot create a bridge inside a network namespace here: $why"
    exit 77
  fi
  ip netns delete "$probe"
}

if [ "${1:-}" = --check ]; then
  check
  exit 0
fi
[ $# -ge 2 ] || { log "usage: $0 TAG NAME... | --check"; exit 2; }
tag=$1
shift
[[ $tag =~ ^[a-z0-9]{1,12}$ ]] || { log "TAG must be 1-12 lower-case letters or digits, got '$tag'"; exit 2; }
check

hub="salvo-$tag-hub"
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
trap 'log "failed; removing what was made"; bash "$script_dir/down.sh" "$tag"' ERR

ip netns add "$hub"
ip -n "$hub" link set lo up
ip -n "$hub" link add br0 type bridge
ip -n "$hub" link set br0 up
i=0
for name in "$@"; do
  [[ $name =~ ^[a-z0-9]{1,12}$ ]] || { log "NAME must be 1-12 lower-case letters or digits, got '$name'"; false; }
  i=$((i + 1))
  ns="salvo-$tag-$name"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # Made in the hub, the far end moved at once into the member: never an interface in the host's namespace.
  ip -n "$hub" link add "p$i" type veth peer name eth0 netns "$ns"
  ip -n "$hub" link set "p$i" master br0 up
  ip -n "$ns" addr add "$SUBNET.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  echo "$ns $SUBNET.$i"
done
