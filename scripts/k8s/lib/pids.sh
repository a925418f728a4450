# shellcheck shell=bash
# Pid-file helpers shared by the cluster scripts (apiserver.sh, node.sh), which
# start their processes in the background and stop them by PID (no systemd).
# The sourcing script defines log.

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# TERM, up to 10 s for it to go, then KILL; the pid file goes either way.
stop_one() { # pidfile name
  local pidfile="$1" name="$2"
  if pid_alive "$pidfile"; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}
