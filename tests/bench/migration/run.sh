#!/usr/bin/env bash
# Migration benchmark: redis-cluster-agent rebalance / drain against
# redis-cli --cluster rebalance (default pipeline 10, and --cluster-pipeline 1000),
# same machine, same data, same run.
#
#   tests/bench/migration/run.sh BUILD_DIR
#
# A cluster of 3 masters + 3 replicas plus an empty master and its replica
# (8 redis-server processes on 127.40.200.1-8). For each data set (default:
# 1,000,000 keys of 100 bytes, then 20,000 keys of 16 KB), each tool does the
# scale-out (rebalance onto the empty master) and the reverse drain: the agent
# with its defaults (paced) and with --fast, redis-cli with its default pipeline
# and with --cluster-pipeline 1000. Every move is checked (redis-cli --cluster
# check, key/value checksum). During each move three clients run: a paced probe
# (GET/SET, following MOVED/ASK), redis-py 4.3 and ioredis 5 (real cluster
# clients at BENCH_LOAD_RATE writes/s each). Per run it prints the time, the keys
# moved, the worst key share and the slot ranges per master after the move, and
# each client's p99 and errors; then the speed ratios.
#
# Env: BENCH_KEYS (1000000), BENCH_SIZE (100), BENCH_BIG_KEYS (20000),
#      BENCH_BIG_SIZE (16384), BENCH_OUT (results file, default BUILD_DIR/bench-migration.txt),
#      BENCH_AGENT_FLAGS (extra agent flags), BENCH_ONLY_AGENT=1 (skip redis-cli runs),
#      BENCH_LOAD_RATE (500: writes/s of redis-py and of ioredis)
set -euo pipefail

BUILD=${1:?usage: run.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
AGENT=$BUILD/agent/redis-cluster-agent
TOOL=$BUILD/tests/integration/engine/migration_bench_tool
for b in "$AGENT" "$TOOL"; do [[ -x $b ]] || { echo "missing $b (build first)"; exit 1; }; done
KEYS=${BENCH_KEYS:-1000000}
SIZE=${BENCH_SIZE:-100}
BIG_KEYS=${BENCH_BIG_KEYS:-20000}
BIG_SIZE=${BENCH_BIG_SIZE:-16384}
OUT=${BENCH_OUT:-$BUILD/bench-migration.txt}
AGENT_FLAGS=${BENCH_AGENT_FLAGS:-}  # extra flags for the agent (tuning experiments)
WORK=$(mktemp -d /tmp/rc-bench-migration-XXXXXX)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  mkdir -p "$BUILD/bench-migration-logs" && cp "$WORK"/*.log "$WORK"/lat-*.txt "$BUILD/bench-migration-logs/" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

addr() { echo "127.40.200.$1"; }
now() { date +%s.%N; }
wait_until() {  # wait_until SECONDS CMD...: poll CMD until it succeeds or the deadline passes
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || { echo "timed out waiting for: $*"; return 1; }
    sleep 0.1
  done
}

for i in 1 2 3 4 5 6 7 8; do
  ip=$(addr $i); dir=$WORK/n$i; mkdir -p "$dir"
  cat > "$dir/redis.conf" <<EOF
bind $ip
port 6379
dir $dir
daemonize no
save ""
appendonly no
protected-mode no
logfile $dir/redis.log
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 5000
cluster-announce-ip $ip
bind-source-addr $ip
cluster-allow-replica-migration no
repl-diskless-sync-delay 0
EOF
  # RC_REDIS_SERVER: another build (>= 7.0: the file sets bind-source-addr).
  "${RC_REDIS_SERVER:-redis-server}" "$dir/redis.conf" &
  PIDS+=($!)
done
for i in 1 2 3 4 5 6 7 8; do wait_until 10 redis-cli -h "$(addr $i)" ping; done

SEED=$(addr 1):6379
cluster_ok() { redis-cli --cluster check "$SEED" 2>&1 | tee "$WORK/check.txt" | grep -q '\[OK\] All 16384 slots covered' &&
               ! grep -qE '\[(WARNING|ERR)\]' "$WORK/check.txt"; }
redis-cli --cluster create $(for i in 1 2 3 4 5 6; do echo "$(addr $i):6379"; done) \
  --cluster-replicas 1 --cluster-yes >/dev/null
wait_until 60 cluster_ok
for i in 7 8; do redis-cli -h "$(addr $i)" cluster meet "$(addr 1)" 6379 >/dev/null; done
all_know_all() {
  for i in 1 2 3 4 5 6 7 8; do
    [[ $(redis-cli -h "$(addr $i)" cluster nodes | grep -v handshake | grep -c connected) == 8 ]] || return 1
  done
}
wait_until 60 all_know_all
ID7=$(redis-cli -h "$(addr 7)" cluster myid)
replicate() { redis-cli -h "$(addr 8)" cluster replicate "$ID7" | grep -q OK; }
wait_until 60 replicate
replica_known() { redis-cli -h "$(addr 1)" cluster nodes | grep -q "slave $ID7"; }
wait_until 60 replica_known
wait_until 60 cluster_ok

declare -A T P LINE
LOAD_RATE=${BENCH_LOAD_RATE:-500}  # writes/s of each real client (redis-py, ioredis)
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
NODE=$(command -v node || true)
[[ -n $NODE && -d $REPO/tests/clients/node_modules/ioredis ]] ||
  { echo "ioredis is not installed: run .ci/install-deps.sh"; exit 1; }
# The paced probe (GET/SET, p99) plus redis-py and ioredis at LOAD_RATE writes/s each.
latency_start() {
  rm -f "$WORK/stop" "$WORK"/*.ready
  "$TOOL" latency "$SEED" "$1" "$WORK/stop" > "$WORK/lat.txt" 2>&1 & LAT=$!
  LOAD_RATE=$LOAD_RATE /usr/bin/python3 "$REPO/tests/integration/engine/cluster_load.py" \
    "$(addr 1)" 6379 "py$RUN:" "$WORK/py.ready" "$WORK/stop" > "$WORK/py.json" 2> "$WORK/py.err" & PY=$!
  LOAD_RATE=$LOAD_RATE "$NODE" "$REPO/tests/clients/cluster_load.js" --client ioredis \
    "$(addr 1)" 6379 "io$RUN:" "$WORK/io.ready" "$WORK/stop" > "$WORK/io.json" 2> "$WORK/io.err" & IO=$!
  PIDS+=("$LAT" "$PY" "$IO")
  wait_until 30 test -e "$WORK/py.ready"
  wait_until 30 test -e "$WORK/io.ready"
}
# Not in $(...): `wait` only works for children of this shell.
latency_stop() { touch "$WORK/stop"; wait "$LAT" || true; wait "$PY" || true; wait "$IO" || true; }
p99_of() { sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' "$WORK/lat.txt"; }
errors_of() { sed -n 's/.*errors=\([0-9]*\).*/\1/p' "$WORK/lat.txt"; }
json_field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])' "$@"; }
# What the user gets: worst key share and slot ranges per master, from the agent's own status.
shape_of() {
  "$AGENT" status --seed "$SEED" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
ms = [m for m in s["masters"] if m["slots"] > 0]
print("keys within %.1f%% of an even share, ranges %s" % (s.get("key_deviation_percent", -1),
      "/".join(str(m["ranges"]) for m in ms)))'
}
# The data set's keys on the new master (not the clients' own writes).
data_keys7() { redis-cli -h "$(addr 7)" --scan --pattern 'key:*' | wc -l; }
RUN=0

# run NAME KEYS CMD...: times one move under the client loads, then checks it.
run() {
  local name=$1 nkeys=$2; shift 2
  wait_until 120 cluster_ok
  RUN=$((RUN + 1))
  local k0; k0=$(data_keys7)
  latency_start "$nkeys"
  local t0; t0=$(now)
  "$@" > "$WORK/$name.log" 2>&1 || { echo "FAILED: $name (see below)"; tail -20 "$WORK/$name.log"; exit 1; }
  local t1; t1=$(now)
  latency_stop
  local k1; k1=$(data_keys7)
  P[$name]=$(p99_of)
  cp "$WORK/lat.txt" "$WORK/lat-$name.txt"
  cp "$WORK/py.json" "$WORK/lat-$name-redis-py.txt"; cp "$WORK/io.json" "$WORK/lat-$name-ioredis.txt"
  T[$name]=$(echo "$t1 - $t0" | bc -l)
  wait_until 120 cluster_ok || { cat "$WORK/check.txt"; exit 1; }
  [[ "$("$TOOL" checksum "$SEED")" == "$SUM" ]] || { echo "CHECKSUM MISMATCH after $name"; exit 1; }
  local moved=$(( k1 > k0 ? k1 - k0 : k0 - k1 ))
  LINE[$name]=$(printf '%-24s %7.2f s  %8d keys moved  %s  p99 ms probe/redis-py/ioredis %s/%s/%s  errors %s/%s/%s' \
    "$name" "${T[$name]}" "$moved" "$(shape_of)" "${P[$name]}" \
    "$(json_field "$WORK/py.json" p99_ms)" "$(json_field "$WORK/io.json" p99_ms)" \
    "$(errors_of)" "$(json_field "$WORK/py.json" errors)" "$(json_field "$WORK/io.json" errors)")
  echo "  ${LINE[$name]}"
}

ratio() { echo "scale=2; $1 / $2" | bc -l; }

bench() {  # bench LABEL KEYS SIZE
  local label=$1 nkeys=$2 size=$3
  for i in 1 2 3; do redis-cli -h "$(addr $i)" flushall >/dev/null; done
  "$TOOL" fill "$SEED" "$nkeys" "$size"
  SUM=$("$TOOL" checksum "$SEED")
  echo "== $label: $SUM"
  latency_start "$nkeys"
  sleep 5  # the measurement window of the idle figures (not a wait for a condition)
  latency_stop; P[idle]=$(p99_of); cp "$WORK/lat.txt" "$WORK/lat-idle-$nkeys.txt"
  local idle_line="client p99 with no move running: probe ${P[idle]} ms, redis-py $(json_field "$WORK/py.json" p99_ms) ms, ioredis $(json_field "$WORK/io.json" p99_ms) ms"
  echo "  $idle_line"
  local names=(agent-out agent-drain agent-fast-out agent-fast-drain)
  # shellcheck disable=SC2086
  run agent-out "$nkeys" "$AGENT" rebalance --seed "$SEED" --use-empty-masters $AGENT_FLAGS
  # shellcheck disable=SC2086
  run agent-drain "$nkeys" "$AGENT" drain --seed "$SEED" --node "$ID7" $AGENT_FLAGS
  # shellcheck disable=SC2086
  run agent-fast-out "$nkeys" "$AGENT" rebalance --seed "$SEED" --use-empty-masters --fast $AGENT_FLAGS
  # shellcheck disable=SC2086
  run agent-fast-drain "$nkeys" "$AGENT" drain --seed "$SEED" --node "$ID7" --fast $AGENT_FLAGS
  if [[ -z ${BENCH_ONLY_AGENT:-} ]]; then
    names+=(cli-out cli-drain cli1000-out cli1000-drain)
    run cli-out "$nkeys" redis-cli --cluster rebalance "$SEED" --cluster-use-empty-masters
    run cli-drain "$nkeys" redis-cli --cluster rebalance "$SEED" --cluster-weight "$ID7=0"
    run cli1000-out "$nkeys" redis-cli --cluster rebalance "$SEED" --cluster-use-empty-masters --cluster-pipeline 1000
    run cli1000-drain "$nkeys" redis-cli --cluster rebalance "$SEED" --cluster-weight "$ID7=0" --cluster-pipeline 1000
  fi
  {
    echo "== $label ($nkeys keys of $size bytes; 3 masters + 3 replicas, + 1 empty master + replica)"
    echo "   $idle_line"
    for n in "${names[@]}"; do echo "   ${LINE[$n]}"; done
    if [[ -z ${BENCH_ONLY_AGENT:-} ]]; then
      for dir in out drain; do
        for a in agent agent-fast; do
          echo "   $dir: $a is $(ratio "${T[cli-$dir]}" "${T[$a-$dir]}")x faster than redis-cli default, $(ratio "${T[cli1000-$dir]}" "${T[$a-$dir]}")x faster than --cluster-pipeline 1000"
        done
      done
    fi
  } | tee -a "$OUT"
}

: > "$OUT"
echo "redis-cluster-agent migration benchmark, $(date -u +%FT%TZ), $(nproc) cores, real clients at $LOAD_RATE writes/s each" | tee -a "$OUT"
bench "small keys" "$KEYS" "$SIZE"
bench "big keys" "$BIG_KEYS" "$BIG_SIZE"
echo "results in $OUT"
