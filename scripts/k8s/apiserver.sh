#!/usr/bin/env bash
# A real kube-apiserver (on Debian's etcd) to check salvo's Kubernetes manifests
# against: server-side dry run with strict field validation catches misspelled
# fields AND unsupported values (`completionMode: Indexd` -> 422), which no
# offline schema check here does (see docs/kubernetes.md).
#
#   scripts/k8s/apiserver.sh install   build kube-apiserver once per machine (~5.5 min on
#                                      2 cores, niced) and apt-get etcd-server if missing
#   scripts/k8s/apiserver.sh path      print the cached binary's path (exit 1 when absent)
#   scripts/k8s/apiserver.sh start     start etcd + kube-apiserver on 127.0.0.1; prints three
#                                      lines on stdout: the server URL, the bearer token's file,
#                                      the CA file its serving certificate verifies with
#   scripts/k8s/apiserver.sh stop      stop both, by the PIDs this script recorded
#   scripts/k8s/apiserver.sh status
#
# Why a build from source, and how: scripts/k8s/gobuild.sh (a wrapper module
# around k8s.io/kubernetes; scripts/k8s/node.sh builds the node's parts the same way).
#
# The binary is cached per machine (not per checkout), because the build is the
# one expensive step: $SALVO_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/salvo)
# /k8s/kube-apiserver-vVERSION. Run state (etcd data, certs, logs, PIDs) lives
# under <project>/.brokers/k8s/ (gitignored).
#
# Environment:
#   K8S_VERSION        kubernetes release to build (default 1.37.1)
#   K8S_ETCD_PORT      etcd client port (default 2379; peer port is this + 1)
#   K8S_API_PORT       kube-apiserver secure port (default 6443)
#   K8S_START_TIMEOUT  seconds to wait for /readyz (default 90)
#   GO                 Go toolchain (default go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)
# shellcheck source=scripts/k8s/gobuild.sh
. "$script_dir/gobuild.sh"

VERSION=${K8S_VERSION:-1.37.1}
ETCD_PORT=${K8S_ETCD_PORT:-2379}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
API_PORT=${K8S_API_PORT:-6443}
START_TIMEOUT=${K8S_START_TIMEOUT:-90}

cache="${SALVO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/salvo}/k8s"
binary="$cache/kube-apiserver-v$VERSION"
state="$root/.brokers/k8s"
token_file="$state/token"

log() { echo "k8s apiserver: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

install() {
  k8s_build "$VERSION" "$cache" kube-apiserver
  if ! command -v etcd >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
  fi
  command -v etcd >/dev/null || fail "etcd not found after installing etcd-server"
  command -v openssl >/dev/null || fail "openssl is needed for the service-account key"
}

# shellcheck source=scripts/k8s/lib/pids.sh
. "$script_dir/lib/pids.sh"

wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(curl -s --cacert "$state/serving.crt" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$token_file")" "https://127.0.0.1:$API_PORT/readyz")" = 200 ]; then
      return 0
    fi
    pid_alive "$state/apiserver.pid" || fail "kube-apiserver exited; see $state/apiserver.log"
    sleep 1
  done
  fail "kube-apiserver not ready in $START_TIMEOUT s; see $state/apiserver.log"
}

start() {
  [ -x "$binary" ] || fail "no kube-apiserver at $binary; run: $0 install"
  command -v etcd >/dev/null || fail "no etcd; run: $0 install"
  if pid_alive "$state/apiserver.pid"; then
    print_endpoint
    return 0
  fi
  local started=$SECONDS
  rm -rf "$state"
  mkdir -p "$state"
  # A fresh random token each start: the server is loopback-only and lives as
  # long as one check, so nothing secret is kept.
  openssl rand -hex 16 >"$token_file"
  echo "$(cat "$token_file"),salvo-ci,1,\"system:masters\"" >"$state/tokens.csv"
  openssl genrsa -out "$state/sa.key" 2048 2>/dev/null
  openssl rsa -in "$state/sa.key" -pubout -out "$state/sa.pub" 2>/dev/null
  # Our own serving certificate for 127.0.0.1, so that clients verify it (no -k, no insecure flag).
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=salvo-ci-kube-apiserver \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$state/serving.key" -out "$state/serving.crt" 2>/dev/null

  etcd --name salvo-ci --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "salvo-ci=http://127.0.0.1:$ETCD_PEER_PORT" >"$state/etcd.log" 2>&1 &
  echo $! >"$state/etcd.pid"

  "$binary" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --tls-cert-file="$state/serving.crt" --tls-private-key-file="$state/serving.key" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$state/sa.pub" --service-account-signing-key-file="$state/sa.key" \
    --token-auth-file="$state/tokens.csv" --authorization-mode=RBAC \
    --service-cluster-ip-range=10.96.0.0/24 --endpoint-reconciler-type=none >"$state/apiserver.log" 2>&1 &
  echo $! >"$state/apiserver.pid"
  wait_ready
  # No controller-manager runs, so nothing makes the namespace's default
  # ServiceAccount, which the admission of every Pod looks up.
  curl -sf --cacert "$state/serving.crt" -H "Authorization: Bearer $(cat "$token_file")" \
    -H 'Content-Type: application/json' -d '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}}' \
    "https://127.0.0.1:$API_PORT/api/v1/namespaces/default/serviceaccounts" >/dev/null ||
    fail "could not create the default ServiceAccount"
  log "ready on https://127.0.0.1:$API_PORT in $((SECONDS - started)) s (etcd pid $(cat "$state/etcd.pid"), apiserver pid $(cat "$state/apiserver.pid"))"
  print_endpoint
}

print_endpoint() {
  echo "https://127.0.0.1:$API_PORT"
  echo "$token_file"
  echo "$state/serving.crt"
}

stop() {
  stop_one "$state/apiserver.pid" kube-apiserver
  stop_one "$state/etcd.pid" etcd
}

case "${1:-}" in
  install) install ;;
  path)
    [ -x "$binary" ] || exit 1
    echo "$binary"
    ;;
  start) start ;;
  stop) stop ;;
  status)
    pid_alive "$state/apiserver.pid" && echo "kube-apiserver running (pid $(cat "$state/apiserver.pid"))" || echo "kube-apiserver stopped"
    pid_alive "$state/etcd.pid" && echo "etcd running (pid $(cat "$state/etcd.pid"))" || echo "etcd stopped"
    ;;
  *) fail "usage: $0 install|path|start|stop|status" ;;
esac
