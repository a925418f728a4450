#!/usr/bin/env bash
# A Docker daemon for building and running salvo's image, from Debian's docker.io.
#
#   scripts/image/dockerd.sh install   apt-get docker.io when dockerd is missing
#   scripts/image/dockerd.sh start     use a daemon that already answers, else start one; prints
#                                      "started" or "running" (someone else's) on stdout
#   scripts/image/dockerd.sh stop      stop the daemon THIS script started (by its PID), nothing else
#
# The daemon runs with no bridge and no iptables rules: nothing here may change
# the host's network (a plain dockerd makes docker0 172.17.0.1/16 and NAT
# rules). So builds and containers use `--network host` (or none): salvo's
# shards talk to a broker on loopback anyway.
#
# State: <project>/.brokers/dockerd/ (pid, log); images live in Docker's own
# /var/lib/docker, so a base image built once stays for later runs.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)
state="$root/.brokers/dockerd"
pidfile="$state/dockerd.pid"
START_TIMEOUT=${DOCKERD_START_TIMEOUT:-30}

log() { echo "dockerd: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

answers() { docker info >/dev/null 2>&1; }
ours() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-}" in
  install)
    if ! command -v dockerd >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
    fi
    command -v dockerd >/dev/null || fail "no dockerd after installing docker.io"
    ;;
  start)
    if answers; then
      ours && echo started || echo running
      exit 0
    fi
    command -v dockerd >/dev/null || fail "no dockerd; run: $0 install"
    mkdir -p "$state"
    dockerd --bridge=none --iptables=false --ip-masq=false >"$state/dockerd.log" 2>&1 &
    echo $! >"$pidfile"
    deadline=$((SECONDS + START_TIMEOUT))
    until answers; do
      ours || fail "dockerd exited; see $state/dockerd.log"
      [ $SECONDS -lt $deadline ] || fail "dockerd not answering after $START_TIMEOUT s; see $state/dockerd.log"
      sleep 0.5
    done
    log "started (pid $(cat "$pidfile"))"
    echo started
    ;;
  stop)
    if ours; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
      done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      log "stopped (pid $pid)"
    fi
    rm -f "$pidfile"
    ;;
  *) fail "usage: $0 install|start|stop" ;;
esac
