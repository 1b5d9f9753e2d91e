#!/usr/bin/env bash
# Webhook under load: the real binary over TLS keep-alive, driven by wrk with a
# realistic AdmissionReview (review.json: `kubectl apply` CREATE of a labelled
# StatefulSet with an exporter and sidecars, with the API server's defaults,
# managedFields and the last-applied annotation; the full injection), at 16
# and 100 connections. Reports
# req/s, p50, p99, peak RSS (VmHWM), and mutate throughput as a ratio to
# GET /healthz on the same server in the same run (the TLS + HTTP floor).
# Targets (2 cores): p99 <= 5 ms at 100 connections, >= 5000 admissions/s,
# RSS <= 30 MB. Exit 1 when the server fails or answers non-200; targets are
# reported (MISS lines), since this machine's cores are shared.
#
# usage: tests/bench/webhook/run.sh BUILD_DIR [DURATION_SECONDS]
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [SECONDS]}" && pwd)
DURATION=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
BIN=$BUILD/webhook/redis-cluster-webhook
[ -x "$BIN" ] || { echo "no $BIN; build first (make build)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/rc-webhook-bench-XXXXXX)
PID=
cleanup() {
  if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

EXTRA_SANS="IP:127.0.0.1" "$SRC/certs/make-certs.sh" "$TMP/certs" > /dev/null
cp "$HERE/review.json" "$TMP/review.json"

: > "$TMP/webhook.log"
"$BIN" --port=0 --bind-address=127.0.0.1 --tls-cert-file="$TMP/certs/tls.crt" \
  --tls-key-file="$TMP/certs/tls.key" 2> "$TMP/webhook.log" &
PID=$!
PORT=
deadline=$((SECONDS + 10))
while [ -z "$PORT" ] && [ $SECONDS -lt $deadline ]; do
  PORT=$(sed -n 's/.*serving HTTPS on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/webhook.log")
  [ -z "$PORT" ] && sleep 0.05
done
[ -n "$PORT" ] || { echo "the webhook did not start:"; cat "$TMP/webhook.log"; exit 1; }
URL=https://127.0.0.1:$PORT

# One run: prints "req_per_s p50_ms p99_ms non200".
run_wrk() {  # run_wrk CONNECTIONS PATH [lua]
  local conns=$1 path=$2 out
  if [ "${3:-}" = lua ]; then
    out=$(REVIEW_FILE="$TMP/review.json" wrk -t2 -c"$conns" -d"${DURATION}s" --latency \
            -s "$HERE/post_review.lua" "$URL$path")
  else
    out=$(wrk -t2 -c"$conns" -d"${DURATION}s" --latency "$URL$path")
  fi
  echo "$out" >> "$TMP/wrk.txt"
  echo "$out" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /^non200/ { bad = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, bad + 0 }'
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "warming up..."
REVIEW_FILE="$TMP/review.json" wrk -t2 -c16 -d2s -s "$HERE/post_review.lua" "$URL/mutate" > /dev/null

read -r H_RPS H_P50 H_P99 H_BAD < <(run_wrk 100 /healthz)
read -r M16_RPS M16_P50 M16_P99 M16_BAD < <(run_wrk 16 /mutate lua)
read -r M100_RPS M100_P50 M100_P99 M100_BAD < <(run_wrk 100 /mutate lua)
HWM_KB=$(awk '/VmHWM/ { print $2 }' "/proc/$PID/status")
kill -0 "$PID" || { echo "the webhook died during the run"; cat "$TMP/webhook.log" | tail; exit 1; }

RSS_MB=$(awk -v kb="$HWM_KB" 'BEGIN { printf "%.1f", kb / 1024 }')
RATIO=$(awk -v m="$M100_RPS" -v h="$H_RPS" 'BEGIN { printf "%.2f", (h > 0 ? m / h : 0) }')
echo
echo "webhook benchmark ($(nproc) cores, ${DURATION}s per run, TLS keep-alive, wrk -t2;" \
  "load average before: $LOAD_BEFORE)"
printf "%-28s %10s %9s %9s %8s\n" "run" "req/s" "p50 ms" "p99 ms" "non200"
printf "%-28s %10s %9s %9s %8s\n" "GET /healthz, 100 conns" "$H_RPS" "$H_P50" "$H_P99" "$H_BAD"
printf "%-28s %10s %9s %9s %8s\n" "POST /mutate, 16 conns" "$M16_RPS" "$M16_P50" "$M16_P99" "$M16_BAD"
printf "%-28s %10s %9s %9s %8s\n" "POST /mutate, 100 conns" "$M100_RPS" "$M100_P50" "$M100_P99" "$M100_BAD"
echo "peak RSS (VmHWM): ${RSS_MB} MB"
echo "mutate/healthz throughput ratio at 100 conns: ${RATIO}"
verdict() { if awk "BEGIN { exit !($2) }"; then echo "  ok   $1"; else echo "  MISS $1"; fi; }
CORE_BENCH=$BUILD/tests/bench/webhook/webhook_core_bench
if [ -x "$CORE_BENCH" ]; then
  "$CORE_BENCH" "$HERE/review.json" 3
fi
echo "targets:"
verdict "p99 <= 5 ms at 100 connections (${M100_P99} ms)" "$M100_P99 <= 5"
verdict ">= 5000 admissions/s (${M100_RPS}/s at 100, ${M16_RPS}/s at 16)" "$M100_RPS >= 5000"
verdict "peak RSS <= 30 MB (${RSS_MB} MB)" "$RSS_MB <= 30"
if [ "$((M16_BAD + M100_BAD + H_BAD))" -ne 0 ]; then
  echo "FAIL: non-200 answers under load"; tail -5 "$TMP/webhook.log"; exit 1
fi
