#!/usr/bin/env bash
# Local RabbitMQ (Debian package, AMQP 1.0 plugin) for salvo's tests and benchmarks.
#
#   scripts/brokers/rabbitmq.sh install|start|stop|status|ctl ARGS...
#
# The Debian package only supplies the binaries; the node itself is private to
# this project and runs as the invoking user with all state under
# <project>/.brokers/rabbitmq/ (gitignored):
#   home/         HOME (holds the Erlang cookie shared by server and CLI)
#   mnesia/       RABBITMQ_MNESIA_BASE (node database, message store)
#   log/          RABBITMQ_LOG_BASE
#   rabbitmq.conf, enabled_plugins, rabbitmq-env.conf, rabbitmq.pid, epmd.pid
# TLS material comes from scripts/certs.sh into <project>/.brokers/certs/.
#
# Listeners, all on 127.0.0.1: AMQP (1.0 and 0-9-1 share it) on
# $RABBITMQ_AMQP_PORT (5675), TLS on $RABBITMQ_AMQPS_PORT (5676), Erlang
# distribution on $RABBITMQ_DIST_PORT (25675), and a private epmd on
# $RABBITMQ_EPMD_PORT (24369) so that stopping it cannot disturb any other
# Erlang node on the machine. `start` prints the two AMQP URLs on stdout and
# nothing else; diagnostics go to stderr.
#
# `ctl ARGS` runs rabbitmqctl against this node with the right environment,
# e.g. `scripts/brokers/rabbitmq.sh ctl list_queues`.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)

AMQP_PORT=${RABBITMQ_AMQP_PORT:-5675}
AMQPS_PORT=${RABBITMQ_AMQPS_PORT:-5676}
DIST_PORT=${RABBITMQ_DIST_PORT:-25675}
EPMD_PORT=${RABBITMQ_EPMD_PORT:-24369}
START_TIMEOUT=${RABBITMQ_START_TIMEOUT:-90}
STOP_TIMEOUT=60
NODE=salvo@localhost

base="$root/.brokers/rabbitmq"
certs="$root/.brokers/certs"
pidfile="$base/rabbitmq.pid"
epmd_pidfile="$base/epmd.pid"
rmq_bin=/usr/lib/rabbitmq/bin

log() { echo "rabbitmq: $*" >&2; }

fail() {
  log "FAILED: $*"
  exit 1
}

# As fail, after the tail of the node's log (start/stop failures).
fail_with_log() {
  local f
  for f in "$base/log/$NODE.log" "$base/log/startup.log"; do
    if [[ -s "$f" ]]; then
      echo "--- last lines of $f ---" >&2
      tail -n 15 "$f" >&2
    fi
  done
  # A VM that dies during boot (e.g. invalid config) never reaches the log
  # file, and -detached discards its console; the crash dump's slogan says why.
  if [[ -s "$base/log/erl_crash.dump" ]]; then
    echo "--- $base/log/erl_crash.dump ---" >&2
    grep -m1 '^Slogan:' "$base/log/erl_crash.dump" | cut -c1-400 >&2 || true
  fi
  fail "$@"
}

port_open() { # port -> 0 if something accepts TCP on 127.0.0.1:port
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# The environment every rabbitmq-* command (server and CLI) must share.
# Exported here rather than passed per command so `ctl` and the internal
# calls cannot drift apart.
setup_env() {
  export HOME="$base/home"
  export RABBITMQ_NODENAME="$NODE"
  export RABBITMQ_USE_LONGNAME=false
  # An env file of our own so /etc/rabbitmq/rabbitmq-env.conf (system-wide
  # settings) is never read.
  export RABBITMQ_CONF_ENV_FILE="$base/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$base/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$base/mnesia"
  export RABBITMQ_LOG_BASE="$base/log"
  export RABBITMQ_PID_FILE="$pidfile"
  export RABBITMQ_DIST_PORT="$DIST_PORT"
  # CLI tools are Erlang nodes too; keep their ports away from the defaults
  # (35672-35682) that a system RabbitMQ's CLI would use.
  export RABBITMQ_CTL_DIST_PORT_MIN=$((DIST_PORT + 10000))
  export RABBITMQ_CTL_DIST_PORT_MAX=$((DIST_PORT + 10010))
  # epmd and the distribution listeners on loopback only.
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_EPMD_PORT="$EPMD_PORT"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export ERL_CRASH_DUMP="$base/log/erl_crash.dump"
}

ctl() { "$rmq_bin/rabbitmqctl" "$@"; }

# PID of our beam.smp from the pidfile, if it is alive and really our node.
running_pid() {
  local pid
  [[ -s "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # RabbitMQ 3.10 starts distribution from inside the VM (no -sname on the
  # command line), but erl is always given `-home $HOME`, which is ours alone.
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == beam.smp ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- " -home $base/home " >/dev/null || return 1
  echo "$pid"
}

# PIDs of epmd processes listening on our private epmd port (a safety net for
# an epmd that an Erlang CLI started by itself instead of ours).
epmd_pids_on_port() {
  ss -Hltnp "sport = :$EPMD_PORT" 2>/dev/null | grep -o '"epmd",pid=[0-9]*' | grep -o '[0-9]*$' | sort -u || true
}

start_epmd() {
  local pid i
  if [[ -n "$(epmd_pids_on_port)" ]]; then
    return 0
  fi
  # Started in the foreground under setsid (not `epmd -daemon`) so $! is its
  # real PID and stop can kill exactly this process.
  setsid nohup epmd -address 127.0.0.1 -port "$EPMD_PORT" </dev/null >>"$base/log/epmd.log" 2>&1 &
  pid=$!
  echo "$pid" >"$epmd_pidfile"
  for ((i = 0; i < 50; i++)); do
    port_open "$EPMD_PORT" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "epmd did not start on 127.0.0.1:$EPMD_PORT (see $base/log/epmd.log)"
}

stop_epmd() {
  local pid pids=()
  if [[ -s "$epmd_pidfile" ]]; then
    pid=$(<"$epmd_pidfile")
    if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == epmd ]]; then
      pids+=("$pid")
    fi
  fi
  mapfile -t -O "${#pids[@]}" pids < <(epmd_pids_on_port)
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  rm -f "$epmd_pidfile"
}

# apt-get install without letting the package start a system-wide node.
apt_install_rabbitmq() {
  command -v apt-get >/dev/null 2>&1 || fail "rabbitmq-server is not installed and apt-get is unavailable"
  local policy=/usr/sbin/policy-rc.d own_policy=0 before after pid
  # invoke-rc.d consults policy-rc.d; exit 101 means "action forbidden", so
  # the postinst does not start rabbitmq-server. An existing policy file (as
  # in container images) is left alone.
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# temporary, from salvo scripts/brokers/rabbitmq.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  before=$(pgrep -x 'epmd|beam.smp' | sort || true)
  log "installing rabbitmq-server from Debian (apt-get)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server >"$base/apt.log" 2>&1; then
    # Package lists may be missing or stale on a fresh machine.
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$base/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server >>"$base/apt.log" 2>&1 || {
      tail -n 10 "$base/apt.log" >&2
      fail "apt-get install rabbitmq-server failed (see $base/apt.log)"
    }
  fi
  if [[ $own_policy -eq 1 ]]; then
    rm -f "$policy"
    trap - EXIT
  fi
  # Belt and braces: if the install still managed to start a system node or
  # epmd (e.g. no policy-rc.d honoured), stop exactly those new processes.
  after=$(pgrep -x 'epmd|beam.smp' | sort || true)
  for pid in $(comm -13 <(echo "$before") <(echo "$after")); do
    log "stopping process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) started by the package install"
    kill -TERM "$pid" 2>/dev/null || true
  done
}

write_config() {
  # Quoted heredoc for the static part; values appended below.
  cat >"$base/rabbitmq-env.conf" <<'EOF'
# Intentionally empty: keeps /etc/rabbitmq/rabbitmq-env.conf out of this node.
# The environment is set by scripts/brokers/rabbitmq.sh.
EOF
  cat >"$base/rabbitmq.conf" <<EOF
# Generated by scripts/brokers/rabbitmq.sh; edits are overwritten by install.
# AMQP 1.0 (rabbitmq_amqp1_0 plugin) shares the AMQP 0-9-1 listeners.
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
listeners.ssl.1 = 127.0.0.1:$AMQPS_PORT

# Test PKI from scripts/certs.sh. verify_peer without fail_if_no_peer_cert:
# a client certificate is optional, but one not signed by the CA is refused.
ssl_options.cacertfile = $certs/ca.pem
ssl_options.certfile = $certs/server.pem
ssl_options.keyfile = $certs/server-key.pem
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false

# guest is only accepted from loopback (the default, stated for clarity);
# every client here is on loopback anyway.
loopback_users.guest = true

# AMQP 1.0 connections with SASL ANONYMOUS (or no SASL) act as guest.
amqp1_0.default_user = guest
amqp1_0.default_vhost = /

# Log to file only; -detached has no console.
log.console = false
log.file.level = info
EOF
}

cmd_install() {
  mkdir -p "$base"
  if [[ ! -x "$rmq_bin/rabbitmq-server" ]]; then
    apt_install_rabbitmq
  fi
  [[ -x "$rmq_bin/rabbitmq-server" ]] || fail "$rmq_bin/rabbitmq-server missing after install"
  command -v epmd >/dev/null 2>&1 || fail "epmd not found (it comes with erlang-base)"
  "$root/scripts/certs.sh" "$certs" || fail "scripts/certs.sh failed"
  mkdir -p "$base/home" "$base/mnesia" "$base/log"
  write_config
  setup_env
  # --offline edits the enabled_plugins file without contacting a node. The
  # CLI is an Erlang node itself, so keep it on our private epmd.
  if ! grep -q rabbitmq_amqp1_0 "$base/enabled_plugins" 2>/dev/null; then
    start_epmd
    "$rmq_bin/rabbitmq-plugins" enable --offline rabbitmq_amqp1_0 >"$base/log/plugins.log" 2>&1 || {
      tail -n 10 "$base/log/plugins.log" >&2
      stop_epmd
      fail "rabbitmq-plugins enable --offline rabbitmq_amqp1_0 failed"
    }
    # Leave no epmd behind unless a node is using it.
    running_pid >/dev/null || stop_epmd
  fi
  log "installed (rabbitmq-server $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || echo '?'), state in $base)"
}

ensure_users() {
  # Users persist in mnesia, so this only does work on the first start (each
  # rabbitmqctl call costs ~1 s of CLI start-up, hence the check first).
  if ! ctl list_users --quiet --no-table-headers 2>/dev/null | grep '^salvo[[:space:]]' >/dev/null; then
    ctl add_user salvo salvo >/dev/null || return 1
    ctl set_user_tags salvo administrator >/dev/null || return 1
    ctl set_permissions -p / salvo '.*' '.*' '.*' >/dev/null || return 1
  fi
}

cmd_start() {
  local pid t0 t_port
  [[ -s "$base/rabbitmq.conf" && -x "$rmq_bin/rabbitmq-server" ]] \
    || fail "not installed; run: scripts/brokers/rabbitmq.sh install"
  setup_env
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    port_open "$AMQP_PORT" || fail_with_log "running (pid $pid) but port $AMQP_PORT does not answer"
  else
    if port_open "$AMQP_PORT" || port_open "$AMQPS_PORT" || port_open "$DIST_PORT"; then
      fail "port $AMQP_PORT, $AMQPS_PORT or $DIST_PORT on 127.0.0.1 is already in use by another process"
    fi
    "$root/scripts/certs.sh" "$certs" || fail "scripts/certs.sh failed"
    # Rewritten on every start so the ports always match the environment.
    write_config
    rm -f "$pidfile"
    # Keep only this start's crash dump, so a failure report is not misled.
    [[ -e "$base/log/erl_crash.dump" ]] && mv -f "$base/log/erl_crash.dump" "$base/log/erl_crash.dump.old"
    t0=$SECONDS
    start_epmd
    # Run from the state dir so nothing (e.g. a crash dump) lands in the repo.
    (cd "$base" && "$rmq_bin/rabbitmq-server" -detached) >"$base/log/startup.log" 2>&1 \
      || fail_with_log "rabbitmq-server -detached failed"
    # The node writes its pidfile early in boot; the listener opens last.
    until port_open "$AMQP_PORT"; do
      if (( SECONDS - t0 >= START_TIMEOUT )); then
        cmd_stop >/dev/null 2>&1 || true
        fail_with_log "AMQP port $AMQP_PORT did not answer within ${START_TIMEOUT}s"
      fi
      # The pidfile appears only some way into boot, so before that look for
      # the VM by its command line (erl is always passed `-home $HOME`).
      if ! running_pid >/dev/null && ! pgrep -f -- "beam.smp .* -home $base/home " >/dev/null \
         && (( SECONDS - t0 >= 3 )); then
        stop_epmd
        fail_with_log "node exited during startup"
      fi
      sleep 0.2
    done
    t_port=$((SECONDS - t0))
    timeout $((START_TIMEOUT + 10)) "$rmq_bin/rabbitmqctl" await_startup --timeout "$START_TIMEOUT" >/dev/null 2>>"$base/log/startup.log" \
      || { cmd_stop >/dev/null 2>&1 || true; fail_with_log "rabbitmqctl await_startup failed"; }
    port_open "$AMQPS_PORT" || { cmd_stop >/dev/null 2>&1 || true; fail_with_log "AMQPS port $AMQPS_PORT does not answer"; }
    pid=$(running_pid) || fail_with_log "node is up but $pidfile does not name it"
    log "started (pid $pid); AMQP port answered after ${t_port}s, ready after $((SECONDS - t0))s"
  fi
  ensure_users || fail_with_log "could not create user salvo"
  echo "amqp://127.0.0.1:$AMQP_PORT"
  echo "amqps://127.0.0.1:$AMQPS_PORT"
}

cmd_stop() {
  local pid i
  setup_env
  if pid=$(running_pid); then
    # `stop PIDFILE` returns once the OS process has exited.
    timeout "$STOP_TIMEOUT" "$rmq_bin/rabbitmqctl" stop "$pidfile" >/dev/null 2>&1 || true
    if kill -0 "$pid" 2>/dev/null; then
      log "node still alive after rabbitmqctl stop; sending TERM"
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid still alive; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$pidfile"
  # epmd outlives the node by design; ours serves nothing else.
  stop_epmd
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
  status) cmd_status ;;
  ctl) shift; setup_env; ctl "$@" ;;
  *) echo "usage: scripts/brokers/rabbitmq.sh install|start|stop|status|ctl ARGS..." >&2; exit 2 ;;
esac
