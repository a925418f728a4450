# shellcheck shell=bash
# Sourced by scripts/k8s/apiserver.sh and scripts/k8s/node.sh: builds
# Kubernetes commands (kube-apiserver, kubelet, ...) from the Go module proxy.
#
# Why a wrapper module: no release binary can be downloaded here, and
# `go install k8s.io/kubernetes/cmd/X@V` is refused because that module's go.mod
# has replace directives. A module that requires k8s.io/kubernetes and pins each
# staging module (k8s.io/api, ...) to the matching v0.X.Y release builds it.
#
# k8s_build VERSION CACHE_DIR COMMAND...
#   builds every COMMAND (e.g. kube-apiserver) not yet cached as
#   CACHE_DIR/COMMAND-vVERSION. The missing ones go through ONE go build, so
#   the packages they share compile once (kubelet, scheduler and controller
#   manager share most of theirs). Niced: the build takes both cores for
#   minutes and ~3 GB, and must not starve tests running beside it.
#   Uses $GO (default go on PATH, else /usr/local/go/bin/go).

k8s_build() {
  local version="$1" cache="$2"
  shift 2
  local go_bin=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
  local missing=() cmd
  for cmd in "$@"; do
    [ -x "$cache/$cmd-v$version" ] || missing+=("$cmd")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "k8s build: cached: $* v$version in $cache" >&2
    return 0
  fi
  [ -x "$go_bin" ] || command -v "$go_bin" >/dev/null || {
    echo "k8s build: FAILED: no Go toolchain (looked for go on PATH and /usr/local/go/bin/go)" >&2
    return 1
  }
  mkdir -p "$cache"
  local work
  work=$(mktemp -d "$cache/build-v$version.XXXXXX")
  (
    set -euo pipefail
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    cat >go.mod <<EOF
module salvo.local/k8s-build

go 1.26.0

godebug default=go1.26

require k8s.io/kubernetes v$version
EOF
    {
      echo "//go:build tools"
      echo
      echo "package tools"
      echo
      for cmd in "${missing[@]}"; do echo "import _ \"k8s.io/kubernetes/cmd/$cmd\""; done
    } >tools.go
    local gomod
    gomod=$(GOFLAGS=-mod=mod "$go_bin" mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    [ -f "$gomod" ] || {
      echo "k8s build: FAILED: could not download k8s.io/kubernetes@v$version's go.mod" >&2
      exit 1
    }
    # k8s.io/kubernetes replaces every staging module with ./staging/src/...; a
    # module outside that tree must pin them to their released versions instead
    # (the staging modules are released as v0.MINOR.PATCH alongside v1.MINOR.PATCH).
    {
      echo
      echo "replace ("
      grep '=> ./staging' "$gomod" | awk -v v="v0.${version#*.}" '{print "\t" $1 " => " $1 " " v}'
      echo ")"
    } >>go.mod
    GOFLAGS=-mod=mod "$go_bin" mod tidy
    # Version stamps so that --version says what was built (a plain go build says v0.0.0-master).
    local minor="${version#*.}"
    minor="${minor%%.*}"
    local pkg=k8s.io/component-base/version
    local ldflags="-s -w -X $pkg.gitVersion=v$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    local pkgs=() started=$SECONDS
    for cmd in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
    mkdir out
    nice -n 15 "$go_bin" build -trimpath -tags tools -ldflags "$ldflags" -o out/ "${pkgs[@]}"
    for cmd in "${missing[@]}"; do mv "out/$cmd" "$cache/$cmd-v$version"; done
    echo "k8s build: built ${missing[*]} v$version in $((SECONDS - started)) s" >&2
  )
}
