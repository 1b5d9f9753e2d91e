#!/usr/bin/env bash
# The image build recipe works: deploy/images/build.sh configures and builds the
# whole project from scratch into a temporary directory, stages both binaries
# (which must run --version), and lists their runtime packages; the Dockerfiles
# really use that script and that list, run as non-root, and start from Debian
# bookworm. (No docker engine here, so the images themselves are not built.)
# usage: images_build_test.sh SOURCE_DIR
set -uo pipefail
SRC=$1
TMP=$(mktemp -d /tmp/rc-images-test-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

JOBS=${JOBS:-2} SOURCE_DIR="$SRC" "$SRC/deploy/images/build.sh" "$TMP/staging" > "$TMP/build.log" 2>&1 \
  || { tail -30 "$TMP/build.log"; fail "build.sh failed"; }
for bin in redis-cluster-webhook redis-cluster-agent; do
  out=$("$TMP/staging/usr/local/bin/$bin" --version 2>&1) || fail "$bin --version exits non-zero"
  echo "$out" | grep -q "0\.1\.0" || fail "$bin --version printed: $out"
done
[ -s "$TMP/staging/runtime-packages.txt" ] || fail "no runtime-packages.txt"
while read -r pkg; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || fail "runtime package $pkg unknown"
done < "$TMP/staging/runtime-packages.txt"
grep -q "^libssl3$" "$TMP/staging/runtime-packages.txt" || fail "libssl3 (TLS) missing from the runtime packages"
for pkg in $("$SRC/deploy/images/build.sh" --print-build-packages); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || fail "build package $pkg unknown"
done
for img in webhook agent; do
  f="$SRC/deploy/images/$img.Dockerfile"
  grep -q "^FROM debian:bookworm AS build" "$f" || fail "$f: build stage is not Debian bookworm"
  grep -q "^FROM debian:bookworm-slim" "$f" || fail "$f: runtime stage is not bookworm-slim"
  grep -q "RUN deploy/images/build.sh --install-build-deps" "$f" || fail "$f: does not install deps with build.sh"
  grep -q "RUN deploy/images/build.sh /staging" "$f" || fail "$f: does not build with build.sh"
  grep -q "runtime-packages.txt" "$f" || fail "$f: does not install the runtime package list"
  grep -q "^USER 65532:65532" "$f" || fail "$f: does not run as non-root 65532"
  grep -q "/staging/usr/local/bin/redis-cluster-$img" "$f" || fail "$f: does not copy its binary"
done
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "images build recipe ok: $(tr '\n' ' ' < "$TMP/staging/runtime-packages.txt")"
