#!/usr/bin/env bash
# The rest of a one-node Kubernetes cluster, beside the kube-apiserver of
# scripts/k8s/apiserver.sh: its own containerd (Debian's, with the CRI plugin),
# kubelet, kube-scheduler and kube-controller-manager, all on 127.0.0.1. Enough
# to run salvo's Indexed Job for real (scripts/k8s/one-node-run.sh).
#
#   scripts/k8s/node.sh install          build kubelet, kube-scheduler and kube-controller-manager
#                                        once per machine (cached beside kube-apiserver; one niced
#                                        go build for the three) and check containerd, runc, gcc
#   scripts/k8s/node.sh start            start containerd, import the pause image, start the three;
#                                        wait until the node is Ready (needs apiserver.sh start first)
#   scripts/k8s/node.sh import IMAGE...  copy images from the Docker daemon into this containerd
#                                        (docker save | ctr import); pods use them with pullPolicy Never
#   scripts/k8s/node.sh stop             remove every pod container this containerd runs, stop the
#                                        four by the PIDs this script recorded, unmount and remove
#                                        the cgroups and the run state
#   scripts/k8s/node.sh status
#   scripts/k8s/node.sh pod-logs         print the kubelet's pod log folder (<ns>_<pod>_<uid>/<container>/0.log)
#   scripts/k8s/node.sh kubeconfig       print the components' kubeconfig (the API server's admin token)
#
# What makes it work in a VM with no systemd and no network plugin:
# - containerd is a SEPARATE instance (own config, root, state and socket under
#   the run state): Docker's containerd is not touched.
# - cgroupfs driver on both sides (no systemd runs); this machine has cgroup v1,
#   which kubelet 1.37 refuses unless failCgroupV1 is false (it defaults to true).
# - No CAP_SYS_RESOURCE here: containerd never sets an oom_score_adj below its
#   own (restrict_oom_score_adj), or runc fails every pod sandbox.
# - Pods use the host network only (hostNetwork: true). There is no CNI plugin:
#   the CRI is given a CNI configuration naming a plugin that does not exist, so
#   that it reports NetworkReady and the node becomes Ready; a pod WITHOUT
#   hostNetwork then fails at sandbox creation ("failed to setup network for
#   sandbox ...: failed to find plugin "loopback" in path [...]").
# - The pod sandbox image is built here: a static C program that sleeps until
#   SIGTERM, packed into an OCI archive by hand (no registry, no Docker needed).
# - The kubelet serves its API on 127.0.0.1 only and refuses every request, so
#   `kubectl logs` (the API server's pods/log) does not work: pod logs are read
#   from the kubelet's files ($0 pod-logs). The node reports the machine's own
#   address as its InternalIP (a loopback node IP is refused by the kubelet), and
#   hostNetwork pods show it as their IP; nothing listens on it.
#
# Run state: <project>/.brokers/k8s-node/ (gitignored; the kubelet also writes
# /var/log/containers and /var/lib/kubelet/device-plugins, fixed paths that
# stop cleans up); binaries cached as
# scripts/k8s/apiserver.sh's: $SALVO_CACHE_DIR/k8s/<command>-vVERSION.
# Environment: K8S_VERSION (1.37.1), K8S_API_PORT (6443, as apiserver.sh),
# K8S_KUBELET_PORT (10250), K8S_NODE_NAME (salvo-node), K8S_START_TIMEOUT (90), GO.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)
# shellcheck source=scripts/k8s/gobuild.sh
. "$script_dir/gobuild.sh"

VERSION=${K8S_VERSION:-1.37.1}
API_PORT=${K8S_API_PORT:-6443}
KUBELET_PORT=${K8S_KUBELET_PORT:-10250}
NODE_NAME=${K8S_NODE_NAME:-salvo-node}
START_TIMEOUT=${K8S_START_TIMEOUT:-90}
PAUSE_IMAGE=salvo.local/pause:1

cache="${SALVO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/salvo}/k8s"
api_state="$root/.brokers/k8s"
state="$root/.brokers/k8s-node"
sock="$state/containerd/containerd.sock"
COMPONENTS=(kubelet kube-scheduler kube-controller-manager)

log() { echo "k8s node: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

bin() { echo "$cache/$1-v$VERSION"; }
# shellcheck source=scripts/k8s/lib/pids.sh
. "$script_dir/lib/pids.sh"
ctr_() { ctr --address "$sock" --namespace k8s.io "$@"; }

install() {
  local started=$SECONDS
  k8s_build "$VERSION" "$cache" "${COMPONENTS[@]}"
  log "binaries ready in $((SECONDS - started)) s"
  if ! command -v containerd >/dev/null || ! command -v runc >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends containerd runc >/dev/null
  fi
  local tool
  for tool in containerd ctr runc gcc openssl curl python3; do
    command -v "$tool" >/dev/null || fail "$tool not found"
  done
}

api_get() {
  curl -sf --max-time 10 --cacert "$api_state/serving.crt" -H "Authorization: Bearer $(cat "$api_state/token")" \
    "https://127.0.0.1:$API_PORT/$1"
}

# The sandbox ("pause") image: a static binary that sleeps until SIGTERM, as an
# OCI image archive made with sha256sum and tar (the layout is four JSON files).
pause_image() {
  local dir="$state/pause"
  mkdir -p "$dir/rootfs" "$dir/oci/blobs/sha256"
  cat >"$dir/pause.c" <<'EOF'
/* The pod sandbox: holds the pod's namespaces and does nothing else. */
#include <signal.h>
#include <unistd.h>
static void stop(int sig) { (void)sig; _exit(0); }
int main(void) {
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  for (;;) pause();
}
EOF
  gcc -static -Os -s -o "$dir/rootfs/pause" "$dir/pause.c"
  tar -C "$dir/rootfs" --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$dir/layer.tar" pause
  blob() { # file -> prints "sha256hex size", stores it as a blob
    local sum size
    sum=$(sha256sum "$1" | cut -d' ' -f1)
    size=$(stat -c %s "$1")
    cp "$1" "$dir/oci/blobs/sha256/$sum"
    echo "$sum $size"
  }
  local layer config manifest
  read -r -a layer <<<"$(blob "$dir/layer.tar")"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "${layer[0]}" >"$dir/config.json"
  read -r -a config <<<"$(blob "$dir/config.json")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "${config[0]}" "${config[1]}" "${layer[0]}" "${layer[1]}" >"$dir/manifest.json"
  read -r -a manifest <<<"$(blob "$dir/manifest.json")"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"1"}}]}' \
    "${manifest[0]}" "${manifest[1]}" "$PAUSE_IMAGE" >"$dir/oci/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci/oci-layout"
  tar -C "$dir/oci" -cf "$dir/pause.tar" .
  ctr_ images import "$dir/pause.tar" >/dev/null
  # (Listed first, then searched: grep -q leaving early would fail the pipe under pipefail.)
  local images
  images=$(ctr_ images ls -q)
  grep -qx "$PAUSE_IMAGE" <<<"$images" || fail "pause image not in containerd after import"
}

start_containerd() {
  local d="$state/containerd"
  mkdir -p "$d/root" "$d/state" "$d/cni/conf" "$d/cni/bin" "$d/opt"
  # A CNI configuration that is never used (hostNetwork pods skip CNI): it only
  # makes the CRI report NetworkReady. Its plugin type does not exist on purpose.
  cat >"$d/cni/conf/10-hostnetwork-only.conflist" <<'EOF'
{"cniVersion": "1.0.0", "name": "hostnetwork-only", "plugins": [{"type": "salvo-hostnetwork-only-no-such-plugin"}]}
EOF
  cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$sock"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # No CAP_SYS_RESOURCE here: an oom_score_adj below the current one (the CRI
  # gives sandboxes -998, Guaranteed containers -997) makes runc init fail with
  # "can't get final child's PID from pipe: EOF". Never below containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$d/cni/bin"
    conf_dir = "$d/cni/conf"
EOF
  containerd --config "$d/config.toml" >"$state/containerd.log" 2>&1 &
  echo $! >"$state/containerd.pid"
  local deadline=$((SECONDS + START_TIMEOUT))
  until ctr --address "$sock" version >/dev/null 2>&1; do
    pid_alive "$state/containerd.pid" || fail "containerd exited; see $state/containerd.log"
    [ $SECONDS -lt $deadline ] || fail "containerd not answering in $START_TIMEOUT s; see $state/containerd.log"
    sleep 0.5
  done
}

write_configs() {
  local server="https://127.0.0.1:$API_PORT"
  cat >"$state/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: salvo
    cluster:
      server: $server
      certificate-authority: $api_state/serving.crt
users:
  - name: admin
    user:
      tokenFile: $api_state/token
contexts:
  - name: salvo
    context: {cluster: salvo, user: admin}
current-context: salvo
EOF
  mkdir -p "$state/kubelet" "$state/pod-logs"
  cat >"$state/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzPort: 0
# Nothing here needs the kubelet's API (pod logs are read from podLogsDir): it
# refuses every request (no anonymous access, no token or certificate accepted).
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
authorization:
  mode: AlwaysAllow
containerRuntimeEndpoint: unix://$sock
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
podLogsDir: $state/pod-logs
resolvConf: /etc/resolv.conf
registerNode: true
staticPodPath: ""
# The disk is shared: never evict or collect images for disk pressure here.
evictionHard: {memory.available: 100Mi, nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF
}

wait_node_ready() {
  local deadline=$((SECONDS + START_TIMEOUT)) ready=""
  while [ $SECONDS -lt $deadline ]; do
    ready=$(api_get "api/v1/nodes/$NODE_NAME" 2>/dev/null |
      python3 -c 'import json,sys; n=json.load(sys.stdin); print(next((c["status"]+" "+c.get("message","") for c in n["status"].get("conditions",[]) if c["type"]=="Ready"),"none"))' 2>/dev/null || true)
    [ "${ready%% *}" = True ] && return 0
    for c in "${COMPONENTS[@]}"; do
      pid_alive "$state/$c.pid" || fail "$c exited; see $state/$c.log"
    done
    sleep 1
  done
  fail "node $NODE_NAME not Ready in $START_TIMEOUT s (Ready: ${ready:-no node}); see $state/kubelet.log"
}

start() {
  for c in "${COMPONENTS[@]}"; do [ -x "$(bin "$c")" ] || fail "no $c at $(bin "$c"); run: $0 install"; done
  if [ ! -f "$api_state/token" ] || ! api_get readyz >/dev/null; then
    fail "no kube-apiserver answers; run: scripts/k8s/apiserver.sh start"
  fi
  if pid_alive "$state/kubelet.pid"; then
    log "already running"
    return 0
  fi
  local started=$SECONDS
  [ -d "$state" ] && stop_all
  mkdir -p "$state"
  start_containerd
  pause_image
  write_configs
  "$(bin kube-controller-manager)" --kubeconfig="$state/kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port=0 \
    --service-account-private-key-file="$api_state/sa.key" --root-ca-file="$api_state/serving.crt" \
    --use-service-account-credentials=false >"$state/kube-controller-manager.log" 2>&1 &
  echo $! >"$state/kube-controller-manager.pid"
  "$(bin kube-scheduler)" --kubeconfig="$state/kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port=0 >"$state/kube-scheduler.log" 2>&1 &
  echo $! >"$state/kube-scheduler.pid"
  "$(bin kubelet)" --config="$state/kubelet.yaml" --kubeconfig="$state/kubeconfig" \
    --root-dir="$state/kubelet" --cert-dir="$state/kubelet/pki" \
    --hostname-override="$NODE_NAME" >"$state/kubelet.log" 2>&1 &
  echo $! >"$state/kubelet.pid"
  wait_node_ready
  log "node $NODE_NAME Ready in $((SECONDS - started)) s (pids: containerd $(cat "$state/containerd.pid"), kubelet $(cat "$state/kubelet.pid"), scheduler $(cat "$state/kube-scheduler.pid"), controller-manager $(cat "$state/kube-controller-manager.pid"))"
}

import_images() {
  pid_alive "$state/containerd.pid" || fail "containerd not running; run: $0 start"
  local image
  for image in "$@"; do
    docker image inspect "$image" >/dev/null 2>&1 || fail "no image $image in the Docker daemon"
    docker save "$image" | timeout 300 ctr --address "$sock" --namespace k8s.io images import - >/dev/null ||
      fail "ctr could not import $image in 300 s"
    log "imported $image"
  done
}

# Every container and sandbox this containerd runs (their shims outlive
# containerd otherwise), then the processes, mounts and cgroups left behind.
stop_all() {
  stop_one "$state/kubelet.pid" kubelet
  stop_one "$state/kube-scheduler.pid" kube-scheduler
  stop_one "$state/kube-controller-manager.pid" kube-controller-manager
  if pid_alive "$state/containerd.pid"; then
    local id
    for id in $(ctr_ tasks ls -q 2>/dev/null); do
      ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr_ tasks ls -q 2>/dev/null); do
      for _ in $(seq 1 25); do
        ctr_ tasks delete "$id" >/dev/null 2>&1 && break
        sleep 0.2
      done
    done
    for id in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_one "$state/containerd.pid" containerd
  # Mounts under the run state (pods' volumes, containers' root file systems, sandbox /dev/shm), deepest first.
  if [ -d "$state" ]; then
    awk -v p="$state/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  fi
  # The pods' cgroups the kubelet made (cgroupfs driver: /kubepods in every hierarchy), deepest first.
  local h
  for h in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    if [ -d "$h" ]; then find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
  done
  # What the kubelet and runc put at fixed paths outside the run state: the
  # /var/log/containers links into it, the device-plugin socket, runc's state
  # for the k8s.io namespace; their folders too when nothing else is in them.
  find /var/log/containers -maxdepth 1 -type l -lname "$state/*" -delete 2>/dev/null || true
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock
  rmdir /var/log/containers /var/lib/kubelet/device-plugins /var/lib/kubelet /run/containerd/runc/k8s.io /run/containerd/runc 2>/dev/null || true
  rm -rf "$state"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  import)
    shift
    import_images "$@"
    ;;
  stop) stop_all ;;
  status)
    for c in containerd "${COMPONENTS[@]}"; do
      pid_alive "$state/$c.pid" && echo "$c running (pid $(cat "$state/$c.pid"))" || echo "$c stopped"
    done
    ;;
  kubeconfig) echo "$state/kubeconfig" ;;
  pod-logs) echo "$state/pod-logs" ;;
  *) fail "usage: $0 install|start|import IMAGE...|stop|status|kubeconfig|pod-logs" ;;
esac
