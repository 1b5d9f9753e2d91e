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
# scale-out (rebalance onto the empty master) and the reverse drain. Every move
# is checked (redis-cli --cluster check, key/value checksum) and a paced client
# (GET/SET, following MOVED/ASK) measures p99 latency during the move and with
# no move running. Prints times and ratios.
#
# Env: BENCH_KEYS (1000000), BENCH_SIZE (100), BENCH_BIG_KEYS (20000),
#      BENCH_BIG_SIZE (16384), BENCH_OUT (results file, default BUILD_DIR/bench-migration.txt),
#      BENCH_AGENT_FLAGS (extra agent flags), BENCH_ONLY_AGENT=1 (skip redis-cli runs)
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
  redis-server "$dir/redis.conf" &
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

declare -A T P
latency_start() { rm -f "$WORK/stop"; "$TOOL" latency "$SEED" "$1" "$WORK/stop" > "$WORK/lat.txt" 2>&1 & LAT=$!; }
# Not in $(...): `wait` only works for children of this shell.
latency_stop() { touch "$WORK/stop"; wait "$LAT" || true; }
p99_of() { sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' "$WORK/lat.txt"; }
errors_of() { sed -n 's/.*errors=\([0-9]*\).*/\1/p' "$WORK/lat.txt"; }

# run NAME KEYS CMD...: times one move under the latency probe, then checks it.
run() {
  local name=$1 nkeys=$2; shift 2
  wait_until 120 cluster_ok
  latency_start "$nkeys"
  local t0; t0=$(now)
  "$@" > "$WORK/$name.log" 2>&1 || { echo "FAILED: $name (see below)"; tail -20 "$WORK/$name.log"; exit 1; }
  local t1; t1=$(now)
  latency_stop
  P[$name]=$(p99_of)
  local errs; errs=$(errors_of)
  cp "$WORK/lat.txt" "$WORK/lat-$name.txt"
  T[$name]=$(echo "$t1 - $t0" | bc -l)
  wait_until 120 cluster_ok || { cat "$WORK/check.txt"; exit 1; }
  [[ "$("$TOOL" checksum "$SEED")" == "$SUM" ]] || { echo "CHECKSUM MISMATCH after $name"; exit 1; }
  printf '  %-34s %8.2f s   client p99 %7s ms   client errors %s\n' "$name" "${T[$name]}" "${P[$name]}" "$errs"
}

ratio() { echo "scale=2; $1 / $2" | bc -l; }
keys_of() { sed -n 's/.* and \([0-9]*\) key(s) in .*/\1/p' "$WORK/$1.log"; }

bench() {  # bench LABEL KEYS SIZE
  local label=$1 nkeys=$2 size=$3
  for i in 1 2 3; do redis-cli -h "$(addr $i)" flushall >/dev/null; done
  "$TOOL" fill "$SEED" "$nkeys" "$size"
  SUM=$("$TOOL" checksum "$SEED")
  echo "== $label: $SUM"
  latency_start "$nkeys"; sleep 5; latency_stop; P[idle]=$(p99_of); cp "$WORK/lat.txt" "$WORK/lat-idle-$nkeys.txt"
  echo "  client p99 with no move running: ${P[idle]} ms"
  # shellcheck disable=SC2086
  run agent-out "$nkeys" "$AGENT" rebalance --seed "$SEED" --use-empty-masters $AGENT_FLAGS
  # shellcheck disable=SC2086
  run agent-drain "$nkeys" "$AGENT" drain --seed "$SEED" --node "$ID7" $AGENT_FLAGS
  # The same data volume as redis-cli moves: slots picked without key counts.
  # shellcheck disable=SC2086
  run agent-samekeys-out "$nkeys" "$AGENT" rebalance --seed "$SEED" --use-empty-masters --ignore-key-counts $AGENT_FLAGS
  # shellcheck disable=SC2086
  run agent-samekeys-drain "$nkeys" "$AGENT" drain --seed "$SEED" --node "$ID7" $AGENT_FLAGS
  if [[ -n ${BENCH_ONLY_AGENT:-} ]]; then return; fi
  run cli-out "$nkeys" redis-cli --cluster rebalance "$SEED" --cluster-use-empty-masters
  run cli-drain "$nkeys" redis-cli --cluster rebalance "$SEED" --cluster-weight "$ID7=0"
  run cli1000-out "$nkeys" redis-cli --cluster rebalance "$SEED" --cluster-use-empty-masters --cluster-pipeline 1000
  run cli1000-drain "$nkeys" redis-cli --cluster rebalance "$SEED" --cluster-weight "$ID7=0" --cluster-pipeline 1000
  {
    echo "== $label ($nkeys keys of $size bytes; 3 masters + 3 replicas, + 1 empty master + replica)"
    echo "   client p99 idle ${P[idle]} ms"
    for dir in out drain; do
      echo "   $dir: agent ${T[agent-$dir]}s (p99 ${P[agent-$dir]} ms; $(keys_of agent-$dir) keys) | agent --ignore-key-counts ${T[agent-samekeys-$dir]}s (p99 ${P[agent-samekeys-$dir]} ms; $(keys_of agent-samekeys-$dir) keys) | redis-cli ${T[cli-$dir]}s (p99 ${P[cli-$dir]} ms) | redis-cli pipeline 1000 ${T[cli1000-$dir]}s (p99 ${P[cli1000-$dir]} ms)"
      echo "   $dir: agent is $(ratio "${T[cli-$dir]}" "${T[agent-$dir]}")x faster than redis-cli default, $(ratio "${T[cli1000-$dir]}" "${T[agent-$dir]}")x faster than --cluster-pipeline 1000"
      echo "   $dir: agent --ignore-key-counts is $(ratio "${T[cli-$dir]}" "${T[agent-samekeys-$dir]}")x faster than redis-cli default, $(ratio "${T[cli1000-$dir]}" "${T[agent-samekeys-$dir]}")x faster than --cluster-pipeline 1000"
    done
  } | tee -a "$OUT"
}

: > "$OUT"
echo "redis-cluster-agent migration benchmark, $(date -u +%FT%TZ), $(nproc) cores" | tee -a "$OUT"
bench "small keys" "$KEYS" "$SIZE"
bench "big keys" "$BIG_KEYS" "$BIG_SIZE"
echo "results in $OUT"
