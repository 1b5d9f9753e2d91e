#!/usr/bin/env bash
# Webhook under load: the real binary over TLS keep-alive, driven by wrk -t2
# with a realistic AdmissionReview (review.json: `kubectl apply` CREATE of a
# labelled StatefulSet with an exporter and sidecars, with the API server's
# defaults, managedFields and the last-applied annotation; the full injection).
#
# Output lines (one wrk run each, after a 2 s warm-up; DURATION seconds each):
#   GET /healthz, 100 conns, closed   the TLS + HTTP floor: same server, an
#                                     empty handler, each connection sending
#                                     again as soon as it has its answer
#   POST /mutate, 16 conns, closed    closed loop, 16 connections: peak
#                                     admissions/s with little queueing
#   POST /mutate, 100 conns, closed   closed loop, 100 connections: peak
#                                     admissions/s; its latency is queueing
#                                     (Little's law: mean latency = 100 /
#                                     req/s), so it is reported, not judged
#   POST /mutate, 100 conns, paced    how an API server loads a webhook: a
#                                     fixed offered rate (OFFERED req/s over
#                                     100 connections, i.e. OFFERED/100 per
#                                     connection, scheduled per wrk thread, see
#                                     post_review.lua), achieved req/s and the
#                                     latency of each admission
#   (each run also reports the server's CPU microseconds per request, user +
#   system from /proc: a cost figure less disturbed by other load than req/s)
#   peak RSS                          the server's VmHWM after all runs
#   mutate/healthz ratio              closed-loop 100-connection admissions/s
#                                     over healthz req/s (1.0 = the mutation
#                                     costs nothing beyond TLS + HTTP)
#   core                              decode + mutate + encode alone, one
#                                     thread, no TLS/HTTP (webhook_core_bench)
# Targets (2 cores, shared with wrk): p99 <= 5 ms in the paced run at >= 5000
# admissions/s offered (and achieved within 5%); >= 5000 admissions/s in the
# closed-loop 100-connection run; peak RSS <= 30 MB. Exit 1 when the server
# fails or answers non-200; missed targets are reported (MISS lines), since
# this machine's cores are shared. About 4 * DURATION + 5 seconds in all.
#
# usage: tests/bench/webhook/run.sh BUILD_DIR [DURATION_SECONDS [OFFERED_RATE]]
#   env WEBHOOK_ARGS: extra server flags (e.g. "--event-threads=1"), default none
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [SECONDS]}" && pwd)
DURATION=${2:-10}
OFFERED=${3:-5000}   # admissions/s offered in the paced run
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
# shellcheck disable=SC2086  # WEBHOOK_ARGS: extra flags, e.g. "--event-threads=1"
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

read -r H_RPS H_P50 H_P99 H_BAD H_CPU < <(run_wrk 100 /healthz)
read -r M16_RPS M16_P50 M16_P99 M16_BAD M16_CPU < <(run_wrk 16 /mutate closed)
read -r M100_RPS M100_P50 M100_P99 M100_BAD M100_CPU < <(run_wrk 100 /mutate closed)
read -r P_RPS P_P50 P_P99 P_BAD P_CPU < <(run_wrk 100 /mutate paced)
HWM_KB=$(awk '/VmHWM/ { print $2 }' "/proc/$PID/status")
kill -0 "$PID" || { echo "the webhook died during the run"; cat "$TMP/webhook.log" | tail; exit 1; }

RSS_MB=$(awk -v kb="$HWM_KB" 'BEGIN { printf "%.1f", kb / 1024 }')
RATIO=$(awk -v m="$M100_RPS" -v h="$H_RPS" 'BEGIN { printf "%.2f", (h > 0 ? m / h : 0) }')
echo
echo "webhook benchmark ($(nproc) cores, ${DURATION}s per run, TLS keep-alive, wrk -t$THREADS;" \
  "load average before: $LOAD_BEFORE)"
row() { printf "%-36s %10s %9s %9s %8s %12s\n" "$@"; }
row "run" "req/s" "p50 ms" "p99 ms" "non200" "server us/req"
row "GET /healthz, 100 conns, closed" "$H_RPS" "$H_P50" "$H_P99" "$H_BAD" "$H_CPU"
row "POST /mutate, 16 conns, closed" "$M16_RPS" "$M16_P50" "$M16_P99" "$M16_BAD" "$M16_CPU"
row "POST /mutate, 100 conns, closed" "$M100_RPS" "$M100_P50" "$M100_P99" "$M100_BAD" "$M100_CPU"
row "POST /mutate, 100 conns, paced" "$P_RPS" "$P_P50" "$P_P99" "$P_BAD" "$P_CPU"
echo "  closed: each connection sends again on its answer (peak rate; latency = queueing)"
echo "  paced:  ${OFFERED} admissions/s offered on a fixed schedule over 100 connections" \
  "($((OFFERED / 100))/s each); req/s = achieved"
echo "  server us/req: the server's CPU time (user + system) per request during the run;"
echo "  less disturbed than req/s when other work shares the cores"
echo "peak RSS (VmHWM): ${RSS_MB} MB"
echo "mutate/healthz throughput ratio (closed, 100 conns): ${RATIO}"
verdict() { if awk "BEGIN { exit !($2) }"; then echo "  ok   $1"; else echo "  MISS $1"; fi; }
CORE_BENCH=$BUILD/tests/bench/webhook/webhook_core_bench
if [ -x "$CORE_BENCH" ]; then
  # With the allocator setting the server runs with (it restarts itself with it).
  TUNABLES=$(tr '\0' '\n' < "/proc/$PID/environ" | sed -n 's/^GLIBC_TUNABLES=//p')
  TUNED=$(GLIBC_TUNABLES=$TUNABLES "$CORE_BENCH" "$HERE/review.json" 3)
  DEFAULT=$(env -u GLIBC_TUNABLES "$CORE_BENCH" "$HERE/review.json" 3)
  echo "$TUNED (GLIBC_TUNABLES=$TUNABLES, as the server runs)"
  echo "$DEFAULT" | sed 's/^core:/core, default allocator:/'
  awk -v t="$TUNED" -v d="$DEFAULT" 'BEGIN { split(t, a, " "); split(d, b, " ");
    if (a[2] > 0) printf "  allocator setting: %.2fx faster core\n", b[2] / a[2] }' 
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "targets:"
verdict "p99 <= 5 ms at ${OFFERED}/s offered over 100 connections (paced: p99 ${P_P99} ms)" \
  "$P_P99 <= 5 && $OFFERED >= 5000"
verdict "paced run kept up: achieved ${P_RPS}/s of ${OFFERED}/s offered (>= 95%)" \
  "$P_RPS >= 0.95 * $OFFERED"
verdict ">= 5000 admissions/s closed loop at 100 connections (${M100_RPS}/s; ${M16_RPS}/s at 16)" \
  "$M100_RPS >= 5000"
verdict "peak RSS <= 30 MB (${RSS_MB} MB)" "$RSS_MB <= 30"
if [ "$((M16_BAD + M100_BAD + P_BAD + H_BAD))" -ne 0 ]; then
  echo "FAIL: non-200 answers under load"; tail -5 "$TMP/webhook.log"; exit 1
fi
