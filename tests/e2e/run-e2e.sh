#!/usr/bin/env bash
# tests/e2e/run-e2e.sh BUILD_DIR [PYTEST ARGS...]: the e2e suite on one kubesim (needs root).
# E2E_STATE_DIR=DIR keeps kubesim's logs, pod logs and certificates after the run.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [PYTEST ARGS...]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=$("$HERE/bin-dir.sh" "$1")
shift
STATE=()
if [ -n "${E2E_STATE_DIR:-}" ]; then mkdir -p "$E2E_STATE_DIR"; STATE=(--state-dir "$E2E_STATE_DIR"); fi
# The whole suite unless the arguments name test files or node ids (tests/e2e/test_x.py::test_y).
WHAT=("$HERE")
for a in "$@"; do case "$a" in *.py|*.py::*) WHAT=() ;; esac; done
cd "$REPO"
exec "$REPO/tests/kubesim/kubesim-run" --bin-dir "$BIN" "${STATE[@]}" -- \
  /usr/bin/python3 -m pytest -p no:cacheprovider -v -rA "${WHAT[@]}" "$@"
