#!/usr/bin/env bash
# Qpid JMS interop suite (test/interop/jms, Maven, Java 17) against a running broker.
#
#   scripts/interop/jms.sh install      fill ~/.m2 with every plugin and dependency the suite needs,
#                                       then prove an offline (-o) run resolves everything
#   scripts/interop/jms.sh test URL     run the suite offline against URL (amqp://127.0.0.1:PORT);
#                                       exit status is Maven's, reports in target/surefire-reports/
#
# Tests run offline so that nothing is fetched mid-test: `install` is the only step that
# reaches Maven Central. test/interop/jms.test.ts runs `test` against the embedded broker.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$script_dir/../../test/interop/jms" && pwd)
# Nothing listens on port 1 of loopback: every test must fail at once with "connection refused".
UNREACHABLE_URL=amqp://127.0.0.1:1

log() { echo "jms: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

require_tools() {
  command -v mvn >/dev/null 2>&1 || fail "mvn not found (apt-get install -y maven)"
  command -v java >/dev/null 2>&1 || fail "java not found (the suite needs Java 17+)"
}

mvn_in_project() {
  (cd "$project" && mvn -B -Dstyle.color=never "$@")
}

# How many JUnit tests the suite has: a run that reports fewer ran less than was written.
written_tests() {
  grep -rhoE '^\s*@Test\b' "$project/src/test/java" | wc -l | tr -d ' '
}

run_tests() { # url, extra mvn arguments...
  local url=$1
  shift
  rm -rf "$project/target/surefire-reports"
  SALVO_JMS_URL="$url" mvn_in_project "$@" test
}

install() {
  require_tools
  local log_file="$project/target/install.log"
  mkdir -p "$project/target"
  : >"$log_file"
  log "resolving plugins and dependencies (log: $log_file)"
  mvn_in_project -q dependency:go-offline >>"$log_file" 2>&1 || { tail -n 20 "$log_file" >&2; fail "dependency:go-offline"; }
  mvn_in_project -q -DskipTests test-compile >>"$log_file" 2>&1 || { tail -n 20 "$log_file" >&2; fail "test-compile"; }
  # Surefire picks its JUnit Platform provider at test time, which go-offline does not see:
  # one online run against a dead URL fetches it (its tests fail, as they must).
  run_tests "$UNREACHABLE_URL" >>"$log_file" 2>&1 || true
  verify_offline "$log_file"
  log "ready: $(written_tests) tests resolve and run offline"
}

# An offline run against a dead URL must get as far as running every test (each failing),
# not stop at resolving something that is not cached.
verify_offline() {
  local log_file=$1 output expected
  expected=$(written_tests)
  output=$(run_tests "$UNREACHABLE_URL" -o 2>&1) && fail "the suite passed against $UNREACHABLE_URL, where nothing listens"
  echo "$output" >>"$log_file"
  # Here-strings, not pipes: under pipefail an early-exiting grep -q would fail the echo feeding it.
  if grep -qE 'offline mode|Could not resolve|Cannot access .* in offline' <<<"$output"; then
    grep -m 5 -E 'offline mode|Could not resolve|Cannot access' <<<"$output" >&2
    fail "offline resolution is incomplete"
  fi
  grep -qE "^\[ERROR\] Tests run: $expected, Failures: [0-9]+, Errors: [0-9]+, Skipped: 0\$" <<<"$output" \
    || { tail -n 20 <<<"$output" >&2; fail "an offline run did not run all $expected tests"; }
}

case "${1:-}" in
  install) install ;;
  test)
    [[ -n "${2:-}" ]] || { echo "usage: $0 test URL" >&2; exit 2; }
    require_tools
    run_tests "$2" -o
    ;;
  *)
    echo "usage: $0 install | test URL" >&2
    exit 2
    ;;
esac
