#!/usr/bin/env bash
# Checks deploy/ the way CI does, in one command: helm and kube-apiserver built
# (once per machine, cached), hadolint on the Dockerfile, then test/deploy's
# chart and dashboard tests against a kube-apiserver started for the purpose
# (and stopped again, unless one was already running).
#
#   scripts/k8s/check.sh
#
# The image test (test/deploy/image.test.ts) needs a Docker daemon and an image:
#   scripts/image/dockerd.sh start && scripts/image/build.sh salvo:dev && SALVO_IMAGE=salvo:dev npx vitest run test/deploy/image.test.ts
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

bash scripts/k8s/helm.sh install
bash scripts/k8s/apiserver.sh install
bash scripts/image/build.sh lint

started_here=false
# (Status read first, then searched: grep -q leaving early would fail the pipe under pipefail.)
status=$(bash scripts/k8s/apiserver.sh status)
if ! grep -q 'kube-apiserver running' <<<"$status"; then
  started_here=true
fi
stop() { "$started_here" && bash scripts/k8s/apiserver.sh stop; }
trap stop EXIT
endpoint=$(bash scripts/k8s/apiserver.sh start)
mapfile -t api <<<"$endpoint"

SALVO_K8S_API=${api[0]} SALVO_K8S_TOKEN_FILE=${api[1]} SALVO_K8S_CA=${api[2]} \
  npx vitest run test/deploy/manifests.test.ts test/deploy/dashboard.test.ts
