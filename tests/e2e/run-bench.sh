#!/usr/bin/env bash
# tests/e2e/run-bench.sh BUILD_DIR [KEYS]: scale-out timing, the agent against redis-cli by hand,
# on one kubesim (needs root). See bench_scale.py.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [KEYS]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$("$HERE/bin-dir.sh" "$1")
shift
cd "$HERE/../.."
exec tests/kubesim/kubesim-run --bin-dir "$BIN" -- /usr/bin/python3 "$HERE/bench_scale.py" "$@"
