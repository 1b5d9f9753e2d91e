#!/usr/bin/env bash
# The one build recipe for both images (the Dockerfiles RUN this script, and a
# ctest test runs it too, so it cannot rot unnoticed):
#   configure (Release, no tests, warnings as errors) -> build both binaries ->
#   install into STAGING_DIR/usr/local/bin -> list the Debian runtime packages
#   they link against in STAGING_DIR/runtime-packages.txt (the runtime stage
#   installs exactly those) -> check both binaries run --version.
#
# usage: deploy/images/build.sh STAGING_DIR
#        deploy/images/build.sh --install-build-deps   (apt-get install the build packages, as
#                                                       root; the images' build stage runs it)
# env: SOURCE_DIR (the repository; default: two levels up), BUILD_DIR (default:
#      a temporary directory, removed afterwards), JOBS (default: nproc).
set -euo pipefail

BUILD_PACKAGES=(cmake ninja-build g++ pkg-config libhiredis-dev libcpp-httplib-dev libssl-dev
                nlohmann-json3-dev libgflags-dev)
BINARIES=(redis-cluster-webhook redis-cluster-agent)

usage() { echo "usage: $0 STAGING_DIR | --install-build-deps | --print-build-packages" >&2; exit 2; }
[ $# -eq 1 ] || usage
case "$1" in
  --print-build-packages) printf '%s\n' "${BUILD_PACKAGES[@]}"; exit 0;;
  --install-build-deps)
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${BUILD_PACKAGES[@]}"
    rm -rf /var/lib/apt/lists/*
    exit 0;;
esac
case "$1" in -*) usage;; esac

SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
mkdir -p "$1"
STAGING=$(cd "$1" && pwd)
JOBS=${JOBS:-$(nproc)}

OWN_BUILD_DIR=
if [ -z "${BUILD_DIR:-}" ]; then
  BUILD_DIR=$(mktemp -d /tmp/rc-image-build-XXXXXX)
  OWN_BUILD_DIR=$BUILD_DIR
fi
mkdir -p "$BUILD_DIR"
cleanup() { [ -n "$OWN_BUILD_DIR" ] && rm -rf "$OWN_BUILD_DIR"; }
trap cleanup EXIT

# -O2 like the tested builds (GCC 12's -O3 raises a false -Wrestrict in common/).
cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DBUILD_TESTING=OFF -DRC_WERROR=ON > "$BUILD_DIR/configure.log" \
  || { cat "$BUILD_DIR/configure.log"; exit 1; }
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${BINARIES[@]}"

install -d "$STAGING/usr/local/bin"
install -m 0755 "$BUILD_DIR/webhook/redis-cluster-webhook" "$STAGING/usr/local/bin/"
install -m 0755 "$BUILD_DIR/agent/redis-cluster-agent" "$STAGING/usr/local/bin/"

# The Debian packages owning every shared library the binaries load.
for bin in "${BINARIES[@]}"; do
  ldd "$STAGING/usr/local/bin/$bin" | awk '/=> \// { print $3 }'
done | sort -u | while read -r lib; do
  real=$(readlink -f "$lib")
  dpkg -S "$real" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || { echo "no package owns $lib" >&2; exit 1; }
done | cut -d: -f1 | sort -u > "$STAGING/runtime-packages.txt"

for bin in "${BINARIES[@]}"; do
  "$STAGING/usr/local/bin/$bin" --version
done
echo "staged: $(ls "$STAGING/usr/local/bin" | tr '\n' ' ')"
echo "runtime packages: $(tr '\n' ' ' < "$STAGING/runtime-packages.txt")"
