#!/usr/bin/env bash
# Three salvo shards in three containers of the image, as the Kubernetes Job
# runs them (one index each from JOB_COMPLETION_INDEX, the URL from the
# environment, read-only root), against `salvo broker` on the host loopback
# (`--network host`: dockerd runs with no bridge here), then `salvo merge` of
# the three result folders: one verdict, one exit code.
#
#   scripts/image/shards-smoke.sh [IMAGE]     (default salvo:dev; scripts/image/build.sh makes it)
#
# DEPENDS ON `salvo run --shards N --shard-index I` (I from JOB_COMPLETION_INDEX),
# `--run-id` and `salvo merge DIR...`, which are being added to salvo: until
# the image's salvo has them, this script says so and exits 77 (skipped). Once
# the start barrier is in, shard 0 also prints the merged verdict itself; the
# merge of the files stays as the check that both agree.
#
# Every container started here is removed on exit (by its id); nothing else is touched.
# Environment: SHARDS (3), COUNT (messages in all, 6000), SMOKE_PORT (broker port, default: a free one).
set -euo pipefail

IMAGE=${1:-salvo:dev}
SHARDS=${SHARDS:-3}
COUNT=${COUNT:-6000}

log() { echo "shards-smoke: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "no image $IMAGE (scripts/image/build.sh)"
help=$(docker run --rm --network none "$IMAGE" run --help)
if ! grep -q -- '--shards' <<<"$help" || ! docker run --rm --network none "$IMAGE" merge --help >/dev/null 2>&1; then
  log "SKIPPED: the salvo in $IMAGE has no 'run --shards' or no 'merge' yet"
  exit 77
fi

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
    run --url-env SALVO_URL --shards "$SHARDS" --run-id "$run_id" -c "$COUNT" \
    --senders "$SHARDS" --receivers "$SHARDS" \
    --output "/data/results/$run_id/shard-$i")")
done

# Each shard's exit code; shard 0's log (the merged summary once the barrier is in).
codes=()
for i in $(seq 0 $((SHARDS - 1))); do
  id=${containers[$((i + 1))]}
  codes+=("$(timeout 300 docker wait "$id")")
done
docker logs "${containers[1]}" >&2 || true
log "shards ended in $((SECONDS - started)) s, exit codes: ${codes[*]}"
for i in $(seq 1 $((SHARDS - 1))); do
  [ "${codes[$i]}" = 0 ] || fail "shard $i exited ${codes[$i]} (docker logs: see above)"
done

# The same merge from the files: one verdict over all shards.
merge_args=()
for i in $(seq 0 $((SHARDS - 1))); do merge_args+=("/data/results/$run_id/shard-$i"); done
set +e
docker run --rm --network none -v "$out:/data/results" "$IMAGE" merge "${merge_args[@]}"
merged=$?
set -e
[ "$merged" = 0 ] || fail "salvo merge exited $merged"
[ "${codes[0]}" = 0 ] || fail "shard 0 exited ${codes[0]} although the merge passed"
log "PASS: $SHARDS shards, merged, one verdict"
