#!/usr/bin/env bash
# Local Apache ActiveMQ Classic broker for salvo's tests and benchmarks.
#
#   scripts/brokers/activemq.sh install|start|stop|kill|restart|status
#
# Classic 6.x is not on Maven Central as a distribution, but its jars are:
# `install` copies activemq-broker, activemq-amqp and activemq-kahadb-store
# (scripts/brokers/activemq/pom.xml) with Maven and compiles a small main
# (scripts/brokers/activemq/SalvoBroker.java) that runs a BrokerService with
# two AMQP connectors and nothing else. `kill` is kill -9 and waits until the
# JVM is gone; `restart` is kill then start and prints the URLs as start does.
#
# Everything lives under <project>/.brokers/activemq/ (gitignored):
#   lib/          the jars (from Maven Central)
#   classes/      SalvoBroker.class
#   data/         the broker's state (KahaDB journal)
#   broker.pid    PID of the running JVM
#   console.log   stdout/stderr of the JVM
# TLS material comes from scripts/certs.sh into <project>/.brokers/certs/.
#
# Only two connectors, both on 127.0.0.1: AMQP on $ACTIVEMQ_AMQP_PORT (5677)
# and AMQP over TLS on $ACTIVEMQ_AMQPS_PORT (5678), both with
# transport.tcpNoDelay=true (Classic's default, false, adds ~40 ms to every
# round trip). `start` prints the two URLs on stdout and nothing else; all
# diagnostics go to stderr.
#
# Environment:
#   ACTIVEMQ_VERSION        jar version (default 6.3.1, see docs/brokers.md)
#   ACTIVEMQ_AMQP_PORT      default 5677
#   ACTIVEMQ_AMQPS_PORT     default 5678
#   ACTIVEMQ_HEAP           JVM heap, -Xms/-Xmx (default 512M)
#   ACTIVEMQ_START_TIMEOUT  seconds to wait for the ports (default 90)
#   ACTIVEMQ_TCP_NO_DELAY   true (default); false keeps Classic's own default, Nagle
#                           on, only to measure what it costs
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)
source_dir="$script_dir/activemq"

VERSION=${ACTIVEMQ_VERSION:-6.3.1}
AMQP_PORT=${ACTIVEMQ_AMQP_PORT:-5677}
AMQPS_PORT=${ACTIVEMQ_AMQPS_PORT:-5678}
HEAP=${ACTIVEMQ_HEAP:-512M}
START_TIMEOUT=${ACTIVEMQ_START_TIMEOUT:-90}
TCP_NO_DELAY=${ACTIVEMQ_TCP_NO_DELAY:-true}
STOP_TIMEOUT=30
CERT_PASS=salvo-pass

base="$root/.brokers/activemq"
certs="$root/.brokers/certs"
lib="$base/lib"
classes="$base/classes"
data="$base/data"
pidfile="$base/broker.pid"
console_log="$base/console.log"
# Written last by install: the version and a hash of the sources, so that a
# changed pom or main is installed again instead of running stale classes.
stamp="$base/.salvo-install"

log() { echo "activemq: $*" >&2; }
# shellcheck source=lib/process.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/process.sh"

fail() {
  log "FAILED: $*"
  exit 1
}

fail_with_log() {
  if [[ -s "$console_log" ]]; then
    echo "--- last lines of $console_log ---" >&2
    tail -n 30 "$console_log" >&2
  fi
  fail "$@"
}

stamp_content() {
  echo "version=$VERSION sources=$(cat "$source_dir/pom.xml" "$source_dir/SalvoBroker.java" | sha256sum | cut -c1-16)"
}


# PID from the pidfile, only if that process is still our broker JVM (a
# stale pidfile's PID may have been reused by something else).
running_pid() {
  local pid
  [[ -s "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- "-Dsalvo.activemq=$base" >/dev/null || return 1
  echo "$pid"
}


cmd_install() {
  if [[ -f "$stamp" && "$(<"$stamp")" == "$(stamp_content)" && -s "$classes/SalvoBroker.class" ]]; then
    "$root/scripts/certs.sh" "$certs" || fail "scripts/certs.sh failed"
    log "already installed (ActiveMQ Classic $VERSION in $base)"
    return 0
  fi
  if running_pid >/dev/null; then
    fail "broker is running; stop it before re-installing"
  fi
  command -v mvn >/dev/null 2>&1 || fail "mvn not found (apt-get install -y maven)"
  command -v javac >/dev/null 2>&1 || fail "javac not found (apt-get install -y openjdk-17-jdk-headless)"
  "$root/scripts/certs.sh" "$certs" || fail "scripts/certs.sh failed"
  mkdir -p "$base"
  rm -rf "$lib" "$classes"
  log "copying ActiveMQ Classic $VERSION jars via Maven"
  # -U so that a "not found" cached by an earlier failed attempt is retried;
  # Maven's chatter goes to a log, shown only on failure.
  if ! (cd "$source_dir" && mvn -q -B -U -Dstyle.color=never dependency:copy-dependencies \
        "-Dactivemq.version=$VERSION" "-DoutputDirectory=$lib") >"$base/mvn.log" 2>&1; then
    grep -o 'Could not resolve.*\|Unable to find artifact.*' "$base/mvn.log" | cut -c1-240 >&2 || tail -n 5 "$base/mvn.log" >&2
    fail "could not fetch the ActiveMQ Classic $VERSION jars (see $base/mvn.log)"
  fi
  [[ -s "$lib/activemq-amqp-$VERSION.jar" ]] || fail "activemq-amqp-$VERSION.jar missing after Maven (see $base/mvn.log)"
  mkdir -p "$classes"
  javac -d "$classes" -cp "$lib/*" "$source_dir/SalvoBroker.java" >"$base/javac.log" 2>&1 \
    || { tail -n 20 "$base/javac.log" >&2; fail "could not compile SalvoBroker.java"; }
  stamp_content >"$stamp"
  log "installed ActiveMQ Classic $VERSION in $base"
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    port_open "$AMQP_PORT" || fail_with_log "running (pid $pid) but port $AMQP_PORT does not answer"
  else
    [[ -f "$stamp" && "$(<"$stamp")" == "$(stamp_content)" ]] \
      || fail "not installed, or installed from other sources; run: scripts/brokers/activemq.sh install"
    # A foreign listener on our port would make the readiness check lie.
    if port_open "$AMQP_PORT" || port_open "$AMQPS_PORT"; then
      fail "port $AMQP_PORT or $AMQPS_PORT on 127.0.0.1 is already in use by another process"
    fi
    "$root/scripts/certs.sh" "$certs" || fail "scripts/certs.sh failed"
    mkdir -p "$data"
    : >"$console_log"
    # setsid: its own session, so that it outlives this shell and its job control.
    # -Dsalvo.activemq names this instance for running_pid.
    setsid nohup java "-Xms$HEAP" "-Xmx$HEAP" "-Dsalvo.activemq=$base" "-Dsalvo.tcpNoDelay=$TCP_NO_DELAY" \
        -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
        -cp "$lib/*:$classes" SalvoBroker "$data" "$AMQP_PORT" "$AMQPS_PORT" "$certs" "$CERT_PASS" \
        </dev/null >>"$console_log" 2>&1 &
    pid=$!
    echo "$pid" >"$pidfile"
    local t0=$SECONDS port
    for port in "$AMQP_PORT" "$AMQPS_PORT"; do
      until port_open "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
          rm -f "$pidfile"
          fail_with_log "broker exited during startup"
        fi
        if (( SECONDS - t0 >= START_TIMEOUT )); then
          cmd_stop >/dev/null 2>&1 || true
          fail_with_log "port $port did not answer within ${START_TIMEOUT}s"
        fi
        sleep 0.2
      done
    done
    log "started (pid $pid) in $((SECONDS - t0))s"
  fi
  echo "amqp://127.0.0.1:$AMQP_PORT"
  echo "amqps://127.0.0.1:$AMQPS_PORT"
}

cmd_stop() { stop_broker; }

cmd_kill() { kill_broker; }

cmd_status() {
  local pid
  if pid=$(running_pid); then
    echo "running (pid $pid, amqp://127.0.0.1:$AMQP_PORT, amqps://127.0.0.1:$AMQPS_PORT)"
    return 0
  fi
  echo "stopped"
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  kill) cmd_kill ;;
  restart) cmd_kill; cmd_start ;;
  status) cmd_status ;;
  *) echo "usage: scripts/brokers/activemq.sh install|start|stop|kill|restart|status" >&2; exit 2 ;;
esac
