#!/usr/bin/env bash
# Three salvo shards in three containers of the image, as the Kubernetes Job
# runs them (one index each from JOB_COMPLETION_INDEX, the URL from the
# environment, read-only root), against `salvo broker` on the host loopback
# (`--network host`: dockerd runs with no bridge here). The shards meet over
# the broker (start barrier, global drain, results to shard 0) and shard 0
# prints the run's one merged verdict: its exit code and its PASS line are the
# check. `salvo merge` of the shards' own result folders must agree.
#
#   scripts/image/shards-smoke.sh [IMAGE]     (default salvo:dev; scripts/image/build.sh makes it)
#
# Bounded: the shards wait for each other at most --shard-timeout (60 s), each
# container at most SMOKE_TIMEOUT seconds (300). Every container started here
# is removed on exit (by its id); nothing else is touched.
# Environment: SHARDS (3), COUNT (messages in all, 6000), SMOKE_PORT (broker port, default: a free one),
# SMOKE_TIMEOUT (300).
set -euo pipefail

IMAGE=${1:-salvo:dev}
SHARDS=${SHARDS:-3}
COUNT=${COUNT:-6000}
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-300}

log() { echo "shards-smoke: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "no image $IMAGE (scripts/image/build.sh)"

port=${SMOKE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
run_id="smoke-$(date +%s)"
out=$(mktemp -d)
chmod 0777 "$out"
containers=()
cleanup() {
  for id in "${containers[@]}"; do docker rm -f "$id" >/dev/null 2>&1 || true; done
  rm -rf "$out"
}
trap cleanup EXIT

# The broker: the image's own embedded broker, on the host loopback.
containers+=("$(docker run -d --network host "$IMAGE" broker --host 127.0.0.1 --port "$port")")
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "salvo broker not listening on 127.0.0.1:$port"

# The shards, as the chart's pod runs each: its index from JOB_COMPLETION_INDEX, the URL in SALVO_URL only.
export SALVO_URL="amqp://127.0.0.1:$port/smoke"
started=$SECONDS
for i in $(seq 0 $((SHARDS - 1))); do
  containers+=("$(docker run -d --network host --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges -v "$out:/data/results" \
    --env SALVO_URL --env "JOB_COMPLETION_INDEX=$i" "$IMAGE" \
    run --url-env SALVO_URL --shards "$SHARDS" --run-id "$run_id" -c "$COUNT" --shard-timeout 60s \
    --senders "$SHARDS" --receivers "$SHARDS" \
    --output "/data/results/$run_id/shard-$i")")
done

# Each shard's exit code, bounded; shard 0's log holds the merged summary.
codes=()
for i in $(seq 0 $((SHARDS - 1))); do
  id=${containers[$((i + 1))]}
  codes+=("$(timeout "$SMOKE_TIMEOUT" docker wait "$id" || echo "none (still running after $SMOKE_TIMEOUT s)")")
done
shard0_log=$(docker logs "${containers[1]}" 2>&1 || true)
echo "$shard0_log" >&2
log "shards ended in $((SECONDS - started)) s, exit codes: ${codes[*]}"
for i in $(seq 1 $((SHARDS - 1))); do
  [ "${codes[$i]}" = 0 ] || fail "shard $i exited ${codes[$i]}: $(docker logs "${containers[$((i + 1))]}" 2>&1 | tail -3)"
done

# Shard 0 gathered every shard's result over the broker: its exit code and its verdict line are the run's.
[ "${codes[0]}" = 0 ] || fail "shard 0 exited ${codes[0]} (its log: see above)"
grep -Eq '^Verdict \(at-least-once, every message of the run\): PASS$' <<<"$shard0_log" ||
  fail "shard 0 exited 0 but printed no merged PASS verdict (its log: see above)"
# Its part's summary comes first; the merged one ends with the table of every shard.
grep -Eq "^Shards \\($SHARDS, plan [0-9a-f]{16}\\)$" <<<"$shard0_log" || fail "shard 0 printed no merged table of the $SHARDS shards"
[ -f "$out/$run_id/result.json" ] || fail "shard 0 wrote no merged result.json in $run_id/"

# The same merge from the shards' own files: it must agree.
merge_args=()
for i in $(seq 0 $((SHARDS - 1))); do merge_args+=("/data/results/$run_id/shard-$i"); done
set +e
timeout "$SMOKE_TIMEOUT" docker run --rm --network none -v "$out:/data/results" "$IMAGE" merge "${merge_args[@]}" \
  --output /data/results/merged-from-files --quiet
merged=$?
set -e
[ "$merged" = 0 ] || fail "shard 0 passed, but salvo merge of the shards' files exited $merged"
log "PASS: $SHARDS shards met over the broker; shard 0 merged them into one PASS verdict, exit 0; salvo merge agrees"
