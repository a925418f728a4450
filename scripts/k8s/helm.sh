#!/usr/bin/env bash
# helm, built once per machine from the Go module proxy, to render and lint
# deploy/kubernetes/salvo offline (no cluster is contacted).
#
#   scripts/k8s/helm.sh install   go install helm (~3 min cold on 2 cores, niced) into the cache
#   scripts/k8s/helm.sh path      print the cached binary's path (exit 1 when absent)
#   scripts/k8s/helm.sh ARGS...   run the cached helm with a scratch HOME (no repositories, no
#                                 cluster config are read or written)
#
# v3 is pinned on purpose: charts written for it also install with helm 4, not
# the other way round. A helm built by go install has no version ldflags, so
# its default Capabilities.KubeVersion is 1.20: always pass --kube-version.
#
# Environment: HELM_VERSION (default 3.22.1), SALVO_CACHE_DIR (as scripts/k8s/apiserver.sh), GO.
set -euo pipefail

VERSION=${HELM_VERSION:-3.22.1}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
cache="${SALVO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/salvo}/k8s"
binary="$cache/helm-v$VERSION"

fail() {
  echo "helm: FAILED: $*" >&2
  exit 1
}

case "${1:-}" in
  install)
    if [ -x "$binary" ]; then
      echo "helm: cached: $binary" >&2
      exit 0
    fi
    [ -x "$GO" ] || command -v "$GO" >/dev/null || fail "no Go toolchain (looked for go on PATH and /usr/local/go/bin/go)"
    bin_dir=$(mktemp -d)
    started=$SECONDS
    GOBIN="$bin_dir" nice -n 15 "$GO" install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@v$VERSION"
    mkdir -p "$cache"
    mv "$bin_dir/helm" "$binary"
    rmdir "$bin_dir"
    echo "helm: built $binary in $((SECONDS - started)) s" >&2
    ;;
  path)
    [ -x "$binary" ] || exit 1
    echo "$binary"
    ;;
  "") fail "usage: $0 install|path|HELM-ARGS..." ;;
  *)
    [ -x "$binary" ] || fail "no helm at $binary; run: $0 install"
    home=$(mktemp -d)
    trap 'rm -rf "$home"' EXIT
    HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_CACHE_HOME="$home/cache" XDG_DATA_HOME="$home/data" \
      KUBECONFIG=/dev/null "$binary" "$@"
    ;;
esac
