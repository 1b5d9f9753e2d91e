#!/usr/bin/env bash
# The agent's own figures (issue 5), from the agent integration scenarios run
# with the production loop interval (1000 ms) inside a private network
# namespace (the scenarios use fixed loopback addresses):
#   - idle: peak RSS of the agents and their CPU over a 30 s window when nothing
#     changes (targets: RSS <= 20 MB, < 1% of a core), coordinator and others;
#   - scale-out 6 -> 8 with KEYS keys (default 200000) under client load: the
#     time from the new pods' redis answering to a balanced, checked cluster.
# usage: tests/bench/agent/run.sh BUILD_DIR [KEYS]   (needs root for unshare)
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [KEYS]}" && pwd)
KEYS=${2:-200000}
BIN=$BUILD/tests/integration/agent/agent_run_integration_test
[ -x "$BIN" ] || { echo "no $BIN; build first (make build)" >&2; exit 1; }
OUT=$(mktemp /tmp/rc-agent-bench-XXXXXX)
trap 'rm -f "$OUT"' EXIT
echo "agent benchmark (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
RC_AGENT_IT_LOOP_MS=1000 RC_AGENT_IT_IDLE_S=30 RC_AGENT_IT_KEYS=$KEYS \
  unshare --net sh -c 'ip link set lo up && exec "$0" --gtest_filter="*BootstrapsSix*:*ScaleOutToEight*"' \
  "$BIN" > "$OUT" 2>&1 || { cat "$OUT"; echo "the agent scenarios failed" >&2; exit 1; }
grep -E "^idle agents|^scale-out" "$OUT"
awk '
  /^idle agents/ { for (i = 1; i <= NF; ++i) { if ($i == "RSS") rss = $(i + 1); if ($i == "coordinator") c = $(i + 1); if ($i == "most") o = $(i + 1) } }
  END {
    sub(/%/, "", c); sub(/%/, "", o); cpu = (c + 0 > o + 0) ? c + 0 : o + 0
    printf "targets:\n  %s peak RSS <= 20 MB (%.1f MB)\n", (rss / 1024 <= 20 ? "ok  " : "MISS"), rss / 1024
    printf "  %s idle CPU < 1%% of a core (%.2f%%)\n", (cpu < 1 ? "ok  " : "MISS"), cpu
  }' "$OUT"
