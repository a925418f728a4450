# Process helpers shared by the JVM broker scripts (artemis.sh, activemq.sh).
# The sourcing script defines log, fail, $pidfile, $STOP_TIMEOUT and running_pid.

port_open() { # port -> 0 if something accepts TCP on 127.0.0.1:port
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# True until the whole process is gone. A JVM killed here was started by an
# earlier shell, so whatever adopted it may be slow to reap it (kill -0
# succeeds on a zombie); and the main thread turns zombie while the JVM's
# other threads are still exiting and its sockets still open.
alive() { # pid
  local stat tasks
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat%% *}" != Z ]] && return 0
  tasks=(/proc/"$1"/task/*)
  (( ${#tasks[@]} > 1 ))
}

# The running broker's pid; none: its stale pid file removed and "not running" said (the caller returns).
pid_or_none() {
  local pid
  if pid=$(running_pid); then
    echo "$pid"
    return 0
  fi
  rm -f "$pidfile"
  log "not running"
  return 1
}

# Until pid is gone, at most the given seconds (checked every 0.1 s); false if it is still alive.
wait_gone() { # pid seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    alive "$1" || return 0
    sleep 0.1
  done
  ! alive "$1"
}

# Stops the running broker: TERM (its shutdown hook closes the store cleanly), KILL only if that hangs.
stop_broker() {
  local pid
  pid=$(pid_or_none) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
    log "pid $pid still alive after ${STOP_TIMEOUT}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || true
  fi
  rm -f "$pidfile"
  log "stopped (pid $pid)"
}

# kill -9, as a crash would: no shutdown hook runs. Waits until the process
# is gone, so that its port and its store's lock are free for the next start.
kill_broker() {
  local pid
  pid=$(pid_or_none) || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" "$STOP_TIMEOUT" || fail "pid $pid still alive ${STOP_TIMEOUT}s after KILL"
  rm -f "$pidfile"
  log "killed (pid $pid)"
}
