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

# Stops the running broker: TERM (its shutdown hook closes the store cleanly), KILL only if that hangs.
stop_broker() {
  local pid i
  if ! pid=$(running_pid); then
    rm -f "$pidfile"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    alive "$pid" || break
    sleep 0.2
  done
  if alive "$pid"; then
    log "pid $pid still alive after ${STOP_TIMEOUT}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  log "stopped (pid $pid)"
}

# kill -9, as a crash would: no shutdown hook runs. Waits until the process
# is gone, so that its port and its store's lock are free for the next start.
kill_broker() {
  local pid i
  if ! pid=$(running_pid); then
    rm -f "$pidfile"
    log "not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  alive "$pid" && fail "pid $pid still alive ${STOP_TIMEOUT}s after KILL"
  rm -f "$pidfile"
  log "killed (pid $pid)"
}
