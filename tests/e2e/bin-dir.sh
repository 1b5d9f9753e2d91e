#!/usr/bin/env bash
# tests/e2e/bin-dir.sh BUILD_DIR: puts copies of the two binaries kubesim maps the project's
# images to (redis-cluster-webhook, redis-cluster-agent) into BUILD_DIR/e2e-bin and prints that
# folder. Copies, not symlinks: a pod's root is an overlay of / in which the bind-mounted bin
# folder must be self-contained.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
OUT=$BUILD/e2e-bin
mkdir -p "$OUT"
for bin in webhook/redis-cluster-webhook agent/redis-cluster-agent; do
  if [ ! -x "$BUILD/$bin" ]; then
    echo "$0: $BUILD/$bin is missing: build first (make build)" >&2
    exit 1
  fi
  cp -f "$BUILD/$bin" "$OUT/.$(basename "$bin").tmp"
  mv -f "$OUT/.$(basename "$bin").tmp" "$OUT/$(basename "$bin")"
done
echo "$OUT"
