#!/usr/bin/env bash
# Local Apache ActiveMQ Artemis broker for salvo's tests and benchmarks.
#
#   scripts/brokers/artemis.sh install|start|stop|kill|restart|status
#
# `kill` is kill -9 (a crash: no shutdown hook, the journal is not closed) and
# waits until the JVM is gone; `restart` is kill then start, and prints the
# URLs as start does. What survives is what the journal holds: a durable
# message is acknowledged only once synced (journal-sync-non-transactional and
# journal-sync-transactional default to true), so acknowledged durable messages
# survive; non-durable ones are lost.
#
# Everything lives under <project>/.brokers/artemis/ (gitignored):
#   dist/apache-artemis-VERSION/   unpacked distribution (from Maven Central)
#   instance/                      broker instance made by `artemis create`
#   broker.pid                     PID of the running JVM
#   console.log                    stdout/stderr of the JVM
# TLS material comes from scripts/certs.sh into <project>/.brokers/certs/.
#
# Only two acceptors, both on 127.0.0.1: AMQP on $ARTEMIS_AMQP_PORT (5673) and
# AMQP over TLS on $ARTEMIS_AMQPS_PORT (5674). `start` prints the two URLs on
# stdout and nothing else; all diagnostics go to stderr.
#
# Environment:
#   ARTEMIS_VERSION      distribution version (default 2.56.0, see docs/brokers.md)
#   ARTEMIS_AMQP_PORT    default 5673
#   ARTEMIS_AMQPS_PORT   default 5674
#   ARTEMIS_HEAP         JVM heap, -Xms/-Xmx (default 512M)
#   ARTEMIS_START_TIMEOUT seconds to wait for the port (default 90)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)

VERSION=${ARTEMIS_VERSION:-2.56.0}
AMQP_PORT=${ARTEMIS_AMQP_PORT:-5673}
AMQPS_PORT=${ARTEMIS_AMQPS_PORT:-5674}
HEAP=${ARTEMIS_HEAP:-512M}
START_TIMEOUT=${ARTEMIS_START_TIMEOUT:-90}
STOP_TIMEOUT=30
CERT_PASS=salvo-pass

base="$root/.brokers/artemis"
certs="$root/.brokers/certs"
dist_dir="$base/dist"
home="$dist_dir/apache-artemis-$VERSION"
instance="$base/instance"
pidfile="$base/broker.pid"
console_log="$base/console.log"
# Written last by install; its content says which version/ports the instance
# was made for, so a changed setting triggers a re-create instead of a silent
# mismatch.
stamp="$instance/.salvo-install"
stamp_content="version=$VERSION amqp=$AMQP_PORT amqps=$AMQPS_PORT heap=$HEAP root=$root"

log() { echo "artemis: $*" >&2; }
# shellcheck source=lib/process.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/process.sh"

# One-line failure message on stderr, then exit non-zero.
fail() {
  log "FAILED: $*"
  exit 1
}

# As fail, after the tail of the broker's log (start/stop failures).
fail_with_log() {
  local f
  for f in "$console_log" "$instance/log/artemis.log"; do
    # console.log holds everything artemis.log has plus JVM-level errors;
    # fall back to artemis.log only if the console log is empty.
    if [[ -s "$f" ]]; then
      echo "--- last lines of $f ---" >&2
      tail -n 30 "$f" >&2
      break
    fi
  done
  fail "$@"
}


# PID from the pidfile, only if that process is still our broker JVM (guards
# against a stale pidfile whose PID was reused by something else).
running_pid() {
  local pid
  [[ -s "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- "-Dartemis.instance=$instance" >/dev/null || return 1
  echo "$pid"
}


# Maven coordinates moved when Artemis became a top-level Apache project:
# newer releases are org.apache.artemis, older ones org.apache.activemq.
download() {
  local g tgz="$dist_dir/apache-artemis-$VERSION-bin.tar.gz"
  command -v mvn >/dev/null 2>&1 || fail "mvn not found (apt-get install -y maven)"
  mkdir -p "$dist_dir"
  if [[ ! -s "$tgz" ]]; then
    : >"$dist_dir/mvn.log"
    for g in org.apache.artemis org.apache.activemq; do
      log "downloading $g:apache-artemis:$VERSION:tar.gz:bin via Maven"
      # Run from the download dir so no stray pom.xml is picked up; -U so a
      # "not found" cached by an earlier failed attempt is retried. Maven's
      # chatter goes to a log (shown only if every attempt fails), keeping
      # stdout clean and stderr short.
      if (cd "$dist_dir" && mvn -q -B -U -Dstyle.color=never dependency:copy \
            "-Dartifact=$g:apache-artemis:$VERSION:tar.gz:bin" \
            "-DoutputDirectory=$dist_dir" -Dmdep.overWriteReleases=true) >>"$dist_dir/mvn.log" 2>&1; then
        [[ -s "$tgz" ]] && break
      fi
    done
    if [[ ! -s "$tgz" ]]; then
      # Maven's own reason, e.g. "Unable to find artifact ... in central".
      grep -o 'Unable to find artifact.*' "$dist_dir/mvn.log" | cut -c1-240 >&2 || tail -n 5 "$dist_dir/mvn.log" >&2
      fail "could not download apache-artemis $VERSION from Maven Central (see $dist_dir/mvn.log)"
    fi
  fi
  if [[ ! -x "$home/bin/artemis" ]]; then
    rm -rf "$home"
    tar -xzf "$tgz" -C "$dist_dir" || fail "could not unpack $tgz"
    [[ -x "$home/bin/artemis" ]] || fail "unpacked $tgz but $home/bin/artemis is missing"
  fi
}

create_instance() {
  rm -rf "$instance"
  log "creating broker instance in $instance"
  # --allow-anonymous: ANONYMOUS SASL clients get the guest identity (salvo,
  #   role amq); salvo/salvo works with PLAIN as well.
  # --nio: same journal on every machine, whether or not libaio is installed.
  # --no-web and --no-*-acceptor: only AMQP is wanted; the remaining default
  #   acceptors are replaced wholesale in patch_broker_xml.
  # Auto-tuning of the journal buffer timeout stays on (it measures this disk).
  "$home/bin/artemis" create "$instance" \
      --silent --name salvo --host 127.0.0.1 \
      --user salvo --password salvo --role amq --allow-anonymous \
      --no-web --no-hornetq-acceptor --no-mqtt-acceptor --no-stomp-acceptor \
      --nio --java-memory "$HEAP" >"$base/create.log" 2>&1 \
    || { tail -n 20 "$base/create.log" >&2; fail "artemis create failed (see $base/create.log)"; }
}

patch_broker_xml() {
  local xml="$instance/etc/broker.xml" tmp
  [[ -f "$xml" ]] || fail "$xml missing after create"
  tmp=$(mktemp "$xml.XXXXXX")

  # AMQP tuning parameters as `artemis create` writes them for its own AMQP
  # acceptor. anycastPrefix/multicastPrefix let a client pick the routing type
  # per link with queue://NAME or topic://NAME; a bare NAME is anycast (below).
  local amqp_opts="protocols=AMQP;tcpSendBufferSize=1048576;tcpReceiveBufferSize=1048576;useEpoll=true;amqpCredits=1000;amqpLowCredits=300;amqpMinLargeMessageSize=102400;amqpDuplicateDetection=true;anycastPrefix=queue://;multicastPrefix=topic://"
  # TLS: server keystore from certs.sh; wantClientAuth asks for, but does not
  # require, a client certificate, so both plain-TLS and mutual-TLS tests work
  # (a client cert not signed by the test CA is rejected).
  local tls_opts="sslEnabled=true;keyStorePath=$certs/server.p12;keyStoreType=PKCS12;keyStorePassword=$CERT_PASS;trustStorePath=$certs/ca-truststore.p12;trustStoreType=PKCS12;trustStorePassword=$CERT_PASS;wantClientAuth=true"

  # 1. Replace the whole <acceptors> block: no CORE/OpenWire on 61616, no
  #    MQTT/STOMP/HornetQ, only our two AMQP acceptors on loopback.
  # 2. In the catch-all address-setting, make auto-created addresses and queues
  #    ANYCAST (the broker default is MULTICAST), so a sender and a receiver
  #    attaching to the same bare name meet on one shared queue.
  awk -v plain="tcp://127.0.0.1:$AMQP_PORT?$amqp_opts" \
      -v tls="tcp://127.0.0.1:$AMQPS_PORT?$amqp_opts;$tls_opts" '
    /<acceptors>/ {
      print "      <acceptors>"
      print "         <!-- salvo: AMQP only, loopback only (scripts/brokers/artemis.sh) -->"
      print "         <acceptor name=\"amqp\">" plain "</acceptor>"
      print "         <acceptor name=\"amqps\">" tls "</acceptor>"
      print "      </acceptors>"
      skipping = 1; next
    }
    skipping && /<\/acceptors>/ { skipping = 0; next }
    skipping { next }
    /<address-setting match="#">/ {
      print
      print "            <default-address-routing-type>ANYCAST</default-address-routing-type>"
      print "            <default-queue-routing-type>ANYCAST</default-queue-routing-type>"
      seen_catchall = 1; next
    }
    { print }
    END { if (!seen_catchall) exit 3 }
  ' "$xml" >"$tmp" || { rm -f "$tmp"; fail "could not patch $xml (layout changed?)"; }
  mv "$tmp" "$xml"

  grep -q "127.0.0.1:$AMQPS_PORT" "$xml" || fail "patched $xml lacks the amqps acceptor"
  if grep -qE '61616|:1883|:61613|:5445' "$xml"; then
    fail "patched $xml still has a non-AMQP acceptor"
  fi

  # With --allow-anonymous the guest login module accepts *any* credentials,
  # so a wrong password would silently become the guest user. With
  # credentialsInvalidate=true the guest module only applies to connections
  # that present no credentials: ANONYMOUS works, a bad password is refused.
  local login="$instance/etc/login.config"
  if ! grep -q credentialsInvalidate "$login"; then
    sed -i 's/\(org\.apache\.activemq\.artemis\.spi\.core\.security\.jaas\.GuestLoginModule sufficient\)/\1\n       credentialsInvalidate=true/' "$login"
    grep -q credentialsInvalidate=true "$login" || fail "could not patch $login"
  fi
}

cmd_install() {
  if [[ -f "$stamp" && "$(<"$stamp")" == "$stamp_content" && -x "$home/bin/artemis" ]]; then
    # Certs may have been removed separately; recreating them is cheap and idempotent.
    "$root/scripts/certs.sh" "$certs" || fail "scripts/certs.sh failed"
    log "already installed ($VERSION in $instance)"
    return 0
  fi
  if running_pid >/dev/null; then
    fail "broker is running; stop it before re-installing"
  fi
  command -v java >/dev/null 2>&1 || fail "java not found (Artemis $VERSION needs Java 17+)"
  "$root/scripts/certs.sh" "$certs" || fail "scripts/certs.sh failed"
  download
  create_instance
  patch_broker_xml
  echo "$stamp_content" >"$stamp"
  log "installed Artemis $VERSION in $instance"
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    port_open "$AMQP_PORT" || fail_with_log "running (pid $pid) but port $AMQP_PORT does not answer"
  else
    [[ -f "$stamp" ]] || fail "not installed; run: scripts/brokers/artemis.sh install"
    # Ports, heap and version are baked into the instance by install.
    [[ "$(<"$stamp")" == "$stamp_content" ]] \
      || fail "instance was installed with other settings ($(<"$stamp")); run: scripts/brokers/artemis.sh install"
    # A foreign listener on our port would make the readiness check lie.
    if port_open "$AMQP_PORT" || port_open "$AMQPS_PORT"; then
      fail "port $AMQP_PORT or $AMQPS_PORT on 127.0.0.1 is already in use by another process"
    fi
    # Certs are read at start; make sure they exist (no-op if they do).
    "$root/scripts/certs.sh" "$certs" || fail "scripts/certs.sh failed"
    : >"$console_log"
    # `bin/artemis run` execs the JVM, so $! is the broker's PID. setsid puts it
    # in its own session so it outlives this shell and its job control.
    setsid nohup "$instance/bin/artemis" run </dev/null >>"$console_log" 2>&1 &
    pid=$!
    echo "$pid" >"$pidfile"
    local t0=$SECONDS
    until port_open "$AMQP_PORT"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        rm -f "$pidfile"
        fail_with_log "broker exited during startup"
      fi
      if (( SECONDS - t0 >= START_TIMEOUT )); then
        cmd_stop >/dev/null 2>&1 || true
        fail_with_log "AMQP port $AMQP_PORT did not answer within ${START_TIMEOUT}s"
      fi
      sleep 0.2
    done
    # Both acceptors start together, but check amqps too so a bad keystore
    # shows up here and not in the first TLS test.
    until port_open "$AMQPS_PORT"; do
      if (( SECONDS - t0 >= START_TIMEOUT )); then
        cmd_stop >/dev/null 2>&1 || true
        fail_with_log "AMQPS port $AMQPS_PORT did not answer within ${START_TIMEOUT}s"
      fi
      sleep 0.2
    done
    log "started (pid $pid) in $((SECONDS - t0))s"
  fi
  echo "amqp://127.0.0.1:$AMQP_PORT"
  echo "amqps://127.0.0.1:$AMQPS_PORT"
}

cmd_stop() { stop_broker; }

cmd_kill() { kill_broker; }

cmd_restart() {
  cmd_kill
  cmd_start
}

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
  restart) cmd_restart ;;
  status) cmd_status ;;
  *) echo "usage: scripts/brokers/artemis.sh install|start|stop|kill|restart|status" >&2; exit 2 ;;
esac
