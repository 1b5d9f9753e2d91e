#!/usr/bin/env bash
# `make bench`: every benchmark under tests/bench/, each reporting ratios
# against a baseline measured in the same run. Usage: tests/bench/run.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
status=0
ran=0
for suite in "$here"/*/run.sh; do
  [ -x "$suite" ] || continue
  ran=$((ran + 1))
  echo "== $(basename "$(dirname "$suite")")"
  "$suite" "$build" || status=1
done
if [ "$ran" -eq 0 ]; then
  echo "no benchmark suites found under $here" >&2
  exit 1
fi
exit $status
