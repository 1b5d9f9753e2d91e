#!/usr/bin/env bash
# Webhook under load: the real binary (cpp-httplib SSLServer) over TLS
# keep-alive, driven by wrk -t2 with a realistic AdmissionReview (review.json:
# `kubectl apply` CREATE of a labelled StatefulSet with an exporter and
# sidecars, with the API server's defaults, managedFields and the last-applied
# annotation; the full injection).
#
# Output lines (one wrk run each, after a 2 s warm-up; DURATION seconds each):
#   GET /healthz, 16 conns, closed    the TLS + HTTP floor: same server, an
#                                     empty handler, each connection sending
#                                     again as soon as it has its answer
#   POST /mutate, 16 conns, paced     how an API server loads a webhook: a
#                                     fixed offered rate (OFFERED req/s over
#                                     16 connections, scheduled per wrk
#                                     thread, see post_review.lua), achieved
#                                     req/s and the latency of each admission
#   POST /mutate, 16 conns, closed    closed loop: peak admissions/s (its
#                                     latency is queueing); reported, not judged
#   (each run also reports the server's CPU microseconds per request, user +
#   system from /proc: a cost figure less disturbed by other load than req/s)
#   peak RSS                          the server's VmHWM after all runs
#   core                              decode + mutate + encode alone, one
#                                     thread, no TLS/HTTP (webhook_core_bench),
#                                     in the same run
# Targets: p99 <= 5 ms in the paced run at 200 admissions/s offered (and
# achieved within 5%); peak RSS <= 30 MB. The webhook answers a handful of
# admissions a minute in a real cluster: 200/s is a wide margin, not a goal to
# raise. Exit 1 when the server fails or answers non-200; missed targets are
# reported (MISS lines), since this machine's cores are shared. About
# 3 * DURATION + 5 seconds in all.
#
# usage: tests/bench/webhook/run.sh BUILD_DIR [DURATION_SECONDS [OFFERED_RATE]]
#   env WEBHOOK_ARGS: extra server flags (e.g. "--worker-threads=32"), default none
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [SECONDS]}" && pwd)
DURATION=${2:-10}
OFFERED=${3:-200}    # admissions/s offered in the paced run
CONNS=16
THREADS=2            # wrk threads
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
# shellcheck disable=SC2086  # WEBHOOK_ARGS: extra flags, e.g. "--worker-threads=32"
"$BIN" --port=0 --bind-address=127.0.0.1 --tls-cert-file="$TMP/certs/tls.crt" \
  --tls-key-file="$TMP/certs/tls.key" ${WEBHOOK_ARGS:-} 2> "$TMP/webhook.log" &
PID=$!
PORT=
deadline=$((SECONDS + 10))
while [ -z "$PORT" ] && [ $SECONDS -lt $deadline ]; do
  PORT=$(sed -n 's/.*serving HTTPS on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/webhook.log")
  [ -z "$PORT" ] && sleep 0.05
done
[ -n "$PORT" ] || { echo "the webhook did not start:"; cat "$TMP/webhook.log"; exit 1; }
URL=https://127.0.0.1:$PORT

# CPU seconds (user + system) the server has used so far.
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$PID/stat"; }

# One run: prints "req_per_s p50_ms p99_ms non200 server_cpu_us_per_request".
run_wrk() {  # run_wrk CONNECTIONS PATH [closed|paced]
  local conns=$1 path=$2 mode=${3:-} out cpu_before
  cpu_before=$(server_cpu)
  if [ "$mode" = closed ]; then
    out=$(REVIEW_FILE="$TMP/review.json" wrk -t$THREADS -c"$conns" -d"${DURATION}s" --latency \
            -s "$HERE/post_review.lua" "$URL$path")
  elif [ "$mode" = paced ]; then
    out=$(REVIEW_FILE="$TMP/review.json" OFFERED_RATE=$OFFERED WRK_THREADS=$THREADS \
            wrk -t$THREADS -c"$conns" -d"${DURATION}s" --latency \
            -s "$HERE/post_review.lua" "$URL$path")
  else
    out=$(wrk -t$THREADS -c"$conns" -d"${DURATION}s" --latency "$URL$path")
  fi
  echo "$out" >> "$TMP/wrk.txt"
  echo "$out" | awk -v cpu="$(awk -v a="$cpu_before" -v b="$(server_cpu)" 'BEGIN { print b - a }')" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /^non200/ { bad = $2 }
    /Non-2xx/ { bad = $NF }
    / requests in / { n = $1 }
    END { printf "%.0f %.3f %.3f %d %.0f\n", rps, p50, p99, bad + 0, (n > 0 ? cpu * 1e6 / n : 0) }'
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "warming up..."
REVIEW_FILE="$TMP/review.json" wrk -t2 -c16 -d2s -s "$HERE/post_review.lua" "$URL/mutate" > /dev/null

read -r H_RPS H_P50 H_P99 H_BAD H_CPU < <(run_wrk $CONNS /healthz)
read -r P_RPS P_P50 P_P99 P_BAD P_CPU < <(run_wrk $CONNS /mutate paced)
read -r M_RPS M_P50 M_P99 M_BAD M_CPU < <(run_wrk $CONNS /mutate closed)
HWM_KB=$(awk '/VmHWM/ { print $2 }' "/proc/$PID/status")
kill -0 "$PID" || { echo "the webhook died during the run"; tail "$TMP/webhook.log"; exit 1; }
CORE_BENCH=$BUILD/tests/bench/webhook/webhook_core_bench
CORE="core: (webhook_core_bench not built)"
[ -x "$CORE_BENCH" ] && CORE=$("$CORE_BENCH" "$HERE/review.json" 3)

RSS_MB=$(awk -v kb="$HWM_KB" 'BEGIN { printf "%.1f", kb / 1024 }')
echo
echo "webhook benchmark ($(nproc) cores, ${DURATION}s per run, TLS keep-alive, wrk -t$THREADS;" \
  "load average before: $LOAD_BEFORE)"
row() { printf "%-36s %10s %9s %9s %8s %12s\n" "$@"; }
row "run" "req/s" "p50 ms" "p99 ms" "non200" "server us/req"
row "GET /healthz, $CONNS conns, closed" "$H_RPS" "$H_P50" "$H_P99" "$H_BAD" "$H_CPU"
row "POST /mutate, $CONNS conns, paced" "$P_RPS" "$P_P50" "$P_P99" "$P_BAD" "$P_CPU"
row "POST /mutate, $CONNS conns, closed" "$M_RPS" "$M_P50" "$M_P99" "$M_BAD" "$M_CPU"
echo "  paced:  ${OFFERED} admissions/s offered on a fixed schedule over $CONNS connections;" \
  "req/s = achieved"
echo "  closed: each connection sends again on its answer (peak rate; latency = queueing)"
echo "  server us/req: the server's CPU time (user + system) per request during the run;"
echo "  less disturbed than req/s when other work shares the cores"
echo "$CORE"
echo "peak RSS (VmHWM): ${RSS_MB} MB"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
verdict() { if awk "BEGIN { exit !($2) }"; then echo "  ok   $1"; else echo "  MISS $1"; fi; }
echo "targets:"
verdict "p99 <= 5 ms at ${OFFERED}/s offered over $CONNS connections (paced: p99 ${P_P99} ms)" \
  "$P_P99 <= 5 && $OFFERED >= 200"
verdict "paced run kept up: achieved ${P_RPS}/s of ${OFFERED}/s offered (>= 95%)" \
  "$P_RPS >= 0.95 * $OFFERED"
verdict "peak RSS <= 30 MB (${RSS_MB} MB)" "$RSS_MB <= 30"
if [ "$((H_BAD + P_BAD + M_BAD))" -ne 0 ]; then
  echo "FAIL: non-200 answers under load"; tail -5 "$TMP/webhook.log"; exit 1
fi
