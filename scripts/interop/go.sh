#!/usr/bin/env bash
# go-amqp interop tests (test/interop/go, a Go module on github.com/Azure/go-amqp).
#
#   scripts/interop/go.sh install     download the module's dependencies and build its tests once
#                                     (the only step that reaches the Go module proxy)
#   scripts/interop/go.sh check       exit 0 when go and every module the tests need are here
#   scripts/interop/go.sh test URL    run the tests against the broker at URL, fetching nothing
#
# Go is `go` on PATH, else /usr/local/go/bin/go (GO overrides).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
module="$root/test/interop/go"
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

fail() {
  echo "go interop: FAILED: $*" >&2
  exit 1
}

[ -x "$GO" ] || command -v "$GO" >/dev/null || fail "no Go toolchain (looked for go on PATH and /usr/local/go/bin/go)"
cd "$module"

case "${1:-}" in
  install)
    "$GO" mod download
    "$GO" vet ./...
    # Builds the test binary once (same flags as `test`), so that `test` only links from a warm cache.
    out=$(mktemp -d)
    GOFLAGS=-mod=mod "$GO" test -c -o "$out/interop.test" .
    rm -rf "$out"
    ;;
  check)
    # Offline: fails when a module the tests import is not in the module cache.
    GOPROXY=off GOFLAGS=-mod=mod "$GO" list -deps -test ./... >/dev/null
    ;;
  test)
    url=${2:-}
    [ -n "$url" ] || fail "usage: $0 test URL"
    SALVO_GO_URL="$url" GOPROXY=off GOFLAGS=-mod=mod "$GO" test -count=1 -v ./...
    ;;
  *)
    fail "usage: $0 install|check|test URL"
    ;;
esac
