#!/usr/bin/env bash
# salvo's Indexed Job, run for real on a one-node Kubernetes cluster on this
# machine: etcd + kube-apiserver (scripts/k8s/apiserver.sh), containerd +
# kubelet + kube-scheduler + kube-controller-manager (scripts/k8s/node.sh), the
# chart deploy/kubernetes/salvo rendered by helm and created with curl, the pods
# on the host network against `salvo broker` on 127.0.0.1. Shard 0's log must
# hold the merged PASS verdict over every shard's messages, and the Job must
# complete.
#
#   scripts/k8s/one-node-run.sh [IMAGE]    (default salvo:dev; scripts/image/build.sh makes it)
#
# Needs the image in a Docker daemon that answers (scripts/image/dockerd.sh
# start; started here and stopped again if none answers). Builds what is not
# cached yet (kubelet & co. ~10 min the first time, see docs/kubernetes.md).
# Bounded: every wait has a time-out; everything started here is stopped on
# exit, by PID (the cluster by its scripts, the broker container by its id).
#
# Environment:
#   SHARDS (3), COUNT (messages in all, 3000), RUN_TIMEOUT (seconds for the Job, 300)
#   ONE_NODE_OUT  a folder to keep shard-0.log, job.json and timings.txt in (test/deploy reads them)
#   K8S_API_PORT, K8S_ETCD_PORT, K8S_KUBELET_PORT as the scripts above
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)
cd "$root"

IMAGE=${1:-salvo:dev}
SHARDS=${SHARDS:-3}
COUNT=${COUNT:-3000}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
RELEASE=salvo-one-node
NS=default

log() { echo "one-node-run: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

out=${ONE_NODE_OUT:-$(mktemp -d)}
mkdir -p "$out"
timings="$out/timings.txt"
: >"$timings"
mark() { echo "$1 $2" >>"$timings"; log "$1: $2 s"; }

# --- what is started here, stopped on exit (in reverse) ---
dockerd_here=false
apiserver_here=false
node_here=false
broker=""
follower=""
cleanup() {
  local rc=$?
  set +e # every step of the cleanup runs, whatever one of them answers
  [ -n "$follower" ] && kill "$follower" 2>/dev/null
  # The cluster's own logs, kept for a look at what went wrong (the run state goes with the node).
  cp .brokers/k8s-node/*.log .brokers/k8s/*.log "$out/" 2>/dev/null
  if "$node_here"; then bash scripts/k8s/node.sh stop || true; fi
  if "$apiserver_here"; then bash scripts/k8s/apiserver.sh stop || true; fi
  [ -n "$broker" ] && docker rm -f "$broker" >/dev/null 2>&1
  if "$dockerd_here"; then bash scripts/image/dockerd.sh stop || true; fi
  [ -z "${ONE_NODE_OUT:-}" ] && rm -rf "$out"
  exit "$rc"
}
trap cleanup EXIT

t=$SECONDS
bash scripts/k8s/helm.sh install
bash scripts/k8s/apiserver.sh install
bash scripts/k8s/node.sh install
mark install $((SECONDS - t))

docker info >/dev/null 2>&1 || dockerd_here=true
bash scripts/image/dockerd.sh start >/dev/null
docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "no image $IMAGE in the Docker daemon (scripts/image/build.sh $IMAGE)"

# --- the cluster ---
t=$SECONDS
# (Status read first, then searched: grep -q leaving early would fail the pipe under pipefail.)
status=$(bash scripts/k8s/apiserver.sh status)
grep -q 'kube-apiserver running' <<<"$status" || apiserver_here=true
mapfile -t api < <(bash scripts/k8s/apiserver.sh start)
status=$(bash scripts/k8s/node.sh status)
grep -q 'kubelet running' <<<"$status" && fail "a node of scripts/k8s/node.sh is already running: stop it first"
node_here=true
bash scripts/k8s/node.sh start
mark cluster-start $((SECONDS - t))
t=$SECONDS
bash scripts/k8s/node.sh import "$IMAGE"
mark image-import $((SECONDS - t))

server=${api[0]}
token=$(cat "${api[1]}")
ca=${api[2]}
# kube <method> <path> [curl args...]: the API server's answer on stdout, non-2xx fails.
kube() {
  local method=$1 path=$2
  shift 2
  curl -sS --fail-with-body --max-time 30 --cacert "$ca" -H "Authorization: Bearer $token" -X "$method" "$@" "$server/$path"
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }

# --- the broker, on the host loopback (the image's own `salvo broker`, host network) ---
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
broker=$(docker run -d --network host "$IMAGE" broker --host 127.0.0.1 --port "$port")
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "salvo broker not listening on 127.0.0.1:$port"

# --- the Job, as a user installs the chart: the URL in a Secret, the profile in a ConfigMap ---
run_id="one-node-$(date +%s)"
kube POST "api/v1/namespaces/$NS/secrets" -H 'Content-Type: application/json' \
  -d "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"salvo-broker\"},\"stringData\":{\"url\":\"amqp://127.0.0.1:$port/one-node\"}}" >/dev/null
profile="$out/profile.yaml"
cat >"$profile" <<EOF
description: the one-node cluster run, $COUNT messages over $SHARDS shards
count: $COUNT
senders: $SHARDS
receivers: $SHARDS
EOF
repository=${IMAGE%:*}
tag=${IMAGE##*:}
[ "$repository" != "$IMAGE" ] || tag=latest
sets=(--set "shards=$SHARDS" --set "runId=$run_id" --set hostNetwork=true --set metrics.enabled=false
  --set "image.repository=$repository" --set "image.tag=$tag" --set image.pullPolicy=Never
  --set resources.cpu=500m --set resources.memory=512Mi --set activeDeadlineSeconds="$RUN_TIMEOUT"
  --set 'extraArgs={--shard-timeout,60s}')
for doc in configmap job; do
  bash scripts/k8s/helm.sh template "$RELEASE" deploy/kubernetes/salvo --namespace "$NS" --kube-version 1.37.1 \
    "${sets[@]}" --set-file "profile=$profile" --show-only "templates/$doc.yaml" >"$out/$doc.yaml"
done
t=$SECONDS
kube POST "api/v1/namespaces/$NS/configmaps?fieldValidation=Strict" -H 'Content-Type: application/yaml' --data-binary "@$out/configmap.yaml" >/dev/null
kube POST "apis/batch/v1/namespaces/$NS/jobs?fieldValidation=Strict" -H 'Content-Type: application/yaml' --data-binary "@$out/job.yaml" >/dev/null
log "Job $RELEASE created: $SHARDS shards, $COUNT messages, run id $run_id"

# --- shard 0's pod, its log followed in the kubelet's files (the node's API is closed; see node.sh) ---
selector="batch.kubernetes.io/job-name%3D$RELEASE%2Cbatch.kubernetes.io/job-completion-index%3D0"
deadline=$((SECONDS + RUN_TIMEOUT))
pod=""
while [ -z "$pod" ]; do
  [ $SECONDS -lt $deadline ] || fail "no pod for shard 0 after $RUN_TIMEOUT s"
  pod=$(kube GET "api/v1/namespaces/$NS/pods?labelSelector=$selector" | field "d['items'][0]['metadata']['name'] if d['items'] else ''")
  [ -n "$pod" ] || sleep 1
done
log_dir="$(bash scripts/k8s/node.sh pod-logs)/${NS}_${pod}_"
log_file=""
while [ -z "$log_file" ]; do
  [ $SECONDS -lt $deadline ] || fail "shard 0's pod $pod has no log after $RUN_TIMEOUT s: $(kube GET "api/v1/namespaces/$NS/pods/$pod" | field "d['status']"); the kubelet's last errors: $(grep '^E' .brokers/k8s-node/kubelet.log | tail -3)"
  log_file=$(compgen -G "$log_dir*/salvo/0.log" | head -1 || true)
  [ -n "$log_file" ] || sleep 1
done
mark pods-running $((SECONDS - t))
# On stdout as it comes. CRI log lines are "TIME STREAM TAG TEXT": the text is
# what salvo wrote. (--pid: tail also ends with this script, whatever happens.)
tail -n +1 -F --pid=$$ "$log_file" > >(stdbuf -oL cut -d' ' -f4-) 2>/dev/null &
follower=$!

# --- the Job's end ---
state=""
while [ -z "$state" ]; do
  [ $SECONDS -lt $deadline ] || fail "Job $RELEASE not finished after $RUN_TIMEOUT s"
  kube GET "apis/batch/v1/namespaces/$NS/jobs/$RELEASE" >"$out/job.json"
  state=$(field "next((c['type'] for c in d['status'].get('conditions', []) if c['type'] in ('Complete', 'Failed') and c['status'] == 'True'), '')" <"$out/job.json")
  [ -n "$state" ] || sleep 1
done
mark job-run $((SECONDS - t))
kill "$follower" 2>/dev/null || true
follower=""
cut -d' ' -f4- "$log_file" >"$out/shard-0.log"
kube GET "api/v1/namespaces/$NS/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3D$RELEASE" |
  field "'\n'.join(p['metadata']['name'] + ' index ' + p['metadata']['labels'].get('batch.kubernetes.io/job-completion-index', '?') + ' ' + p['status'].get('phase', '?') + ' on ' + p['spec'].get('nodeName', '-') for p in d['items'])" >&2

[ "$state" = Complete ] || fail "Job $RELEASE ended $state: $(field "d['status']" <"$out/job.json")"
grep -Eq '^Verdict \(at-least-once, every message of the run\): PASS$' "$out/shard-0.log" ||
  fail "Job Complete, but shard 0's log holds no merged PASS verdict"
grep -Eq "^Shards \\($SHARDS, plan [0-9a-f]{16}\\)$" "$out/shard-0.log" || fail "shard 0's log holds no table of the $SHARDS shards"
log "PASS: the Indexed Job ran $SHARDS pods on one node; shard 0 merged them into one PASS verdict; Job Complete"
