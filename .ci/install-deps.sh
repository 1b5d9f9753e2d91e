#!/usr/bin/env bash
# Installs every Debian package the project needs, and only the missing ones.
# Used by `make test`, `make demo` and .ci/run; nothing is installed by hand.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config make
  # libraries
  libhiredis-dev libcpp-httplib-dev libssl-dev nlohmann-json3-dev libgflags-dev
  libgtest-dev libgmock-dev
  # fuzzing (libFuzzer) and sanitizers
  clang libclang-rt-14-dev
  # make lint
  clang-format clang-tidy
  # redis and the referees used by tests
  redis-server redis-tools python3 python3-redis python3-pytest python3-yaml
  # kubesim and end-to-end tests
  iproute2 util-linux openssl procps
  # benchmarks
  wrk
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
