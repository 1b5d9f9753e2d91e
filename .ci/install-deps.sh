#!/usr/bin/env bash
# Installs every Debian package the project needs, and only the missing ones,
# then the Node.js cluster clients the tests use as load (tests/clients, pinned
# by its package-lock.json) when node_modules is missing or older than the lock.
# Used by `make test`, `make demo` and .ci/run; nothing is installed by hand.
# Prints nothing when nothing is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS="$ROOT/tests/clients"

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
  # make images (OCI archives without a container engine) and their test
  umoci
  # benchmarks
  wrk
  # promtool (tests/unit/monitoring: alert rules and /metrics text). The package is the whole
  # Prometheus server; its postinst enables and starts it where systemd runs (in containers
  # policy-rc.d denies the start); stopped again below, only promtool is wanted.
  prometheus
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm for tests/clients: the machine's own Node.js when it has one, else Debian's.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing missing packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus.service || true
  fi
fi

# npm ci removes node_modules, installs, then writes node_modules/.package-lock.json:
# that file is the stamp of a finished install of the lock.
stamp="$CLIENTS/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$CLIENTS/package-lock.json" -nt "$stamp" ]; then
  echo "installing the test clients in tests/clients (npm ci)"
  (cd "$CLIENTS" && npm ci --no-audit --no-fund)
fi
