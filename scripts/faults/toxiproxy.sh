#!/usr/bin/env bash
# A local toxiproxy server (Shopify/toxiproxy v2.5.0) for the --faults-via
# toxiproxy tests and for trying the backend by hand.
#
#   scripts/faults/toxiproxy.sh install   go install the server into <project>/.tools/bin/toxiproxy-server
#   scripts/faults/toxiproxy.sh start     run it in the background on 127.0.0.1:$TOXIPROXY_PORT (8474),
#                                         wait until its API answers, print the API URL on stdout
#   scripts/faults/toxiproxy.sh stop      kill it (the one in our pidfile, nothing else)
#   scripts/faults/toxiproxy.sh status    exit 0 when ours is running and its API answers
#
# Everything lives under <project>/.tools/ (gitignored): bin/toxiproxy-server,
# toxiproxy/toxiproxy.pid and toxiproxy/toxiproxy.log. install reaches the Go
# module proxy through the machine's own GOPROXY and GOFLAGS; nothing else here
# goes off the machine. Go is `go` on PATH, else /usr/local/go/bin/go (GO overrides).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VERSION=v2.5.0
PORT=${TOXIPROXY_PORT:-8474}
START_TIMEOUT=${TOXIPROXY_START_TIMEOUT:-20}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

bin_dir="$root/.tools/bin"
binary="$bin_dir/toxiproxy-server"
state="$root/.tools/toxiproxy"
pidfile="$state/toxiproxy.pid"
logfile="$state/toxiproxy.log"
api="http://127.0.0.1:$PORT"

log() { echo "toxiproxy: $*" >&2; }

fail() {
  log "FAILED: $*"
  exit 1
}

api_answers() { # -> 0 when GET /version answers 200 (bash's /dev/tcp: no curl needed)
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && printf 'GET /version HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && head -n 1 <&3" 2>/dev/null \
    | grep -E '^HTTP/1\.[01] 200' >/dev/null
}

# PID from the pidfile, if that process is alive and is our binary.
running_pid() {
  local pid
  [[ -s "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$binary" ]] || return 1
  echo "$pid"
}

install() {
  [ -x "$GO" ] || command -v "$GO" >/dev/null || fail "no Go toolchain (looked for go on PATH and /usr/local/go/bin/go)"
  # -version prints "git" for a go-installed binary; the build info names the module version.
  if [[ -x "$binary" ]] && "$GO" version -m "$binary" 2>/dev/null | grep -E "^\s+mod\s+github.com/Shopify/toxiproxy/v2\s+$VERSION\b" >/dev/null; then
    log "$VERSION already installed at $binary"
    return
  fi
  mkdir -p "$bin_dir"
  # The module's main package is cmd/server, so go install names the binary `server`;
  # it is renamed so that nothing else called server can be mistaken for it.
  GOBIN="$bin_dir" "$GO" install "github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION"
  mv -f "$bin_dir/server" "$binary"
  log "installed $VERSION at $binary"
}

start() {
  [[ -x "$binary" ]] || fail "$binary is missing; run: $0 install"
  if pid=$(running_pid); then
    api_answers || fail "pid $pid is running but $api does not answer (see $logfile)"
    log "already running (pid $pid)"
    echo "$api"
    return
  fi
  if api_answers; then fail "something else already answers on $api"; fi
  mkdir -p "$state"
  # setsid: the server outlives this shell and a Ctrl-C in it.
  # info: one line per proxy and connection; debug would add one per API request.
  LOG_LEVEL=${TOXIPROXY_LOG_LEVEL:-info} setsid "$binary" -host 127.0.0.1 -port "$PORT" >"$logfile" 2>&1 </dev/null &
  local pid=$! waited=0
  echo "$pid" >"$pidfile"
  until api_answers; do
    # Alive is enough here: until setsid execs, /proc/$pid/exe is still bash.
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 15 "$logfile" >&2 || true
      fail "the server exited during start"
    fi
    (( waited++ < START_TIMEOUT * 10 )) || { tail -n 15 "$logfile" >&2 || true; fail "$api did not answer within ${START_TIMEOUT}s"; }
    sleep 0.1
  done
  log "running (pid $(<"$pidfile")) on $api"
  echo "$api"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pidfile"
    log "not running"
    return
  fi
  kill "$pid"
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -f "$pidfile"
  log "stopped (pid $pid)"
}

status() {
  local pid
  pid=$(running_pid) || { log "not running"; return 1; }
  api_answers || { log "pid $pid is running but $api does not answer"; return 1; }
  log "running (pid $pid) on $api"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) fail "usage: $0 install|start|stop|status" ;;
esac
