#!/usr/bin/env bash
# The image build recipe works: deploy/images/build.sh configures and builds the
# whole project from scratch into a temporary directory, stages both binaries
# (which must run --version), and lists their runtime packages; the Dockerfiles
# really use that script and that list, run as non-root, and start from Debian
# bookworm. No docker engine here: the OCI archives of make-oci.sh are built
# instead, and each binary is run from its own image's root filesystem.
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
# The OCI image archives (make-oci.sh, what `make images` runs): unpacked as a
# runtime would, each binary runs from its image's own root filesystem as the
# image's user, so a library missing from the image fails here.
CHROOT=$(command -v chroot)
"$SRC/deploy/images/make-oci.sh" "$TMP/staging" "$TMP/oci" > "$TMP/oci.log" 2>&1 \
  || { cat "$TMP/oci.log"; fail "make-oci.sh failed"; }
for bin in redis-cluster-webhook redis-cluster-agent; do
  archive="$TMP/oci/$bin-0.1.0.oci.tar"
  [ -s "$archive" ] || { fail "no $archive"; continue; }
  mkdir -p "$TMP/unpack-$bin/layout"
  tar -C "$TMP/unpack-$bin/layout" -xf "$archive"
  umoci unpack --image "$TMP/unpack-$bin/layout:0.1.0" "$TMP/unpack-$bin/bundle" > /dev/null \
    || { fail "$bin: umoci cannot unpack the archive"; continue; }
  rootfs="$TMP/unpack-$bin/bundle/rootfs"
  python3 - "$TMP/unpack-$bin/bundle/config.json" "$bin" <<'PY' || fail "$bin: image config"
import json, sys
cfg = json.load(open(sys.argv[1]))
user = cfg["process"]["user"]
assert (user["uid"], user["gid"]) == (65532, 65532), f"runs as {user}, not 65532"
assert cfg["process"]["args"][0] == f"/usr/local/bin/{sys.argv[2]}", cfg["process"]["args"]
PY
  [ ! -e "$rootfs/bin/sh" ] || fail "$bin: the image has a shell"
  in_image() { env -i "$CHROOT" --userspec=65532:65532 "$rootfs" "$@"; }
  out=$(in_image "/usr/local/bin/$bin" --version 2>&1) || fail "$bin --version in its image: $out"
  echo "$out" | grep -q "0\.1\.0" || fail "$bin --version in its image printed: $out"
  out=$(in_image "/usr/local/bin/$bin" --help 2>&1) || fail "$bin --help in its image: $out"
done
rootfs="$TMP/unpack-redis-cluster-agent/bundle/rootfs"
if [ -d "$rootfs" ]; then
  # init renders redis.conf from the pod's facts, inside the agent image.
  out=$(env -i POD_NAME=redis-0 POD_NAMESPACE=shop POD_IP=10.0.0.5 SERVICE_NAME=redis \
    REDIS_IMAGE=redis:7.0 REDIS_DATA_DIR=/tmp/data REDIS_CLUSTER_CONFIG_DIR=/tmp/config \
    "$CHROOT" --userspec=65532:65532 "$rootfs" /usr/local/bin/redis-cluster-agent init 2>&1) \
    || fail "agent init in its image: $out"
  grep -q "^cluster-enabled yes" "$rootfs/tmp/config/redis.conf" 2>/dev/null \
    || fail "agent init in its image rendered no cluster config: $out"
  grep -q "^cluster-announce-ip 10.0.0.5" "$rootfs/tmp/config/redis.conf" 2>/dev/null \
    || fail "agent init in its image did not announce the pod IP"
fi
# The whole install story on kubesim with the images' binaries: each runs with
# its image's own dynamic loader and libraries (kubesim has no image store, so
# the pods still see the host's files; the chroot runs above are what prove the
# images complete). A wrapper per binary, its root filesystem beside it.
if [ "$failures" -eq 0 ] && [ "${RC_IMAGES_SKIP_KUBESIM:-}" != 1 ]; then
  IMAGE_BIN="$TMP/image-bin"
  mkdir -p "$IMAGE_BIN"
  for bin in redis-cluster-webhook redis-cluster-agent; do
    cp -a "$TMP/unpack-$bin/bundle/rootfs" "$IMAGE_BIN/rootfs-$bin"
    cat > "$IMAGE_BIN/$bin" <<EOF
#!/bin/sh
# $bin from its OCI image: the image's loader and libraries before the host's.
r=\$(dirname "\$(readlink -f "\$0")")/rootfs-$bin
exec "\$r/lib64/ld-linux-x86-64.so.2" --inhibit-cache \\
  --library-path "\$r/lib/x86_64-linux-gnu:\$r/usr/lib/x86_64-linux-gnu" \\
  "\$r/usr/local/bin/$bin" "\$@"
EOF
    chmod 0755 "$IMAGE_BIN/$bin"
    out=$("$IMAGE_BIN/$bin" --version 2>&1) || fail "$bin --version through the image's loader: $out"
  done
  if [ "$failures" -eq 0 ]; then
    KUBESIM_BIN_DIR="$IMAGE_BIN" python3 "$SRC/tests/e2e/readme_install_test.py" "$TMP" \
      > "$TMP/kubesim.log" 2>&1 \
      || { tail -40 "$TMP/kubesim.log"; fail "the README install on kubesim with the images' binaries"; }
    grep -q "^ok: the README's install" "$TMP/kubesim.log" \
      || fail "the kubesim run with the images' binaries did not finish: $(tail -5 "$TMP/kubesim.log")"
  fi
fi
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "images build recipe ok: $(tr '\n' ' ' < "$TMP/staging/runtime-packages.txt")"
