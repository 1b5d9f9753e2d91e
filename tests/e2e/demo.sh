#!/usr/bin/env bash
# tests/e2e/demo.sh BUILD_DIR: the whole story on kubesim, told with the commands a user types.
# (`make demo` builds, then runs this.) Needs root: kubesim makes network namespaces.
#
# Install the webhook with certificates from certs/, apply the example labelled StatefulSet
# (6 pods), wait for a healthy cluster, write keys, `kubectl scale` to 8, show the agent's log
# and the balanced cluster, scale back to 6 and show every key is still there.
# DEMO_KEYS (default 10000) keys are written; E2E_STATE_DIR=DIR keeps kubesim's state and logs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

if [ -z "${KUBESIM_STATE_DIR:-}" ]; then
  [ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
  BIN=$("$HERE/bin-dir.sh" "$1")
  STATE=()
  if [ -n "${E2E_STATE_DIR:-}" ]; then mkdir -p "$E2E_STATE_DIR"; STATE=(--state-dir "$E2E_STATE_DIR"); fi
  echo "== starting kubesim (a Kubernetes stand-in; pods are local processes in their own network namespaces)"
  exec "$REPO/tests/kubesim/kubesim-run" --bin-dir "$BIN" "${STATE[@]}" -- "$0" "$@"
fi

cd "$REPO"
KEYS=${DEMO_KEYS:-10000}
CERTS=$KUBESIM_STATE_DIR/webhook-certs   # holds private keys: never under the source tree
NS=redis-demo

say() { printf '\n== %s\n' "$*"; }
# run CMD...: prints the command the way a user types it, then runs it.
run() {
  local a line='$'
  for a in "$@"; do
    case "$a" in *[[:space:]\'\"\$\*\?]*) line+=" '${a//\'/\'\\\'\'}'" ;; *) line+=" $a" ;; esac
  done
  printf '%s\n' "$line"
  "$@"
}
# until_ok SECONDS WHAT CMD...: polls CMD quietly (every second) until it succeeds.
until_ok() {
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  until "$@" >"$KUBESIM_STATE_DIR/poll.txt" 2>&1; do
    if [ $SECONDS -ge $end ]; then
      echo "demo: timed out after ${limit}s waiting for $what; last try said:" >&2
      tail -30 "$KUBESIM_STATE_DIR/poll.txt" "$KUBESIM_STATE_DIR/check.txt" >&2 || true
      kubectl get pods -A -o wide >&2 || true
      return 1
    fi
    sleep 1
  done
}
pod_ip() { kubectl -n $NS get pod "$1" -o jsonpath='{.status.podIP}'; }
# redis-cli's check (every slot covered, all agree, MASTERS masters with slots and a replica each,
# no empty master), then the agent's own verdict (exit 0: consistent and balanced).
cluster_ok() {
  local masters=$1 ip
  ip=$(pod_ip redis-1) || return 1
  [ -n "$ip" ] || return 1
  redis-cli --cluster check "$ip:6379" > "$KUBESIM_STATE_DIR/check.txt" 2>&1 || return 1
  grep -q '\[OK\] All 16384 slots covered' "$KUBESIM_STATE_DIR/check.txt" || return 1
  ! grep -q 'WARNING\|ERR' "$KUBESIM_STATE_DIR/check.txt" || return 1
  # Masters that own slots, and no empty one left over.
  [ "$(grep -cE '\([1-9][0-9]* slots\) master' "$KUBESIM_STATE_DIR/check.txt")" -eq "$masters" ] || return 1
  ! grep -q '(0 slots) master' "$KUBESIM_STATE_DIR/check.txt" || return 1
  [ "$(grep -c 'S: ' "$KUBESIM_STATE_DIR/check.txt")" -eq "$masters" ] || return 1   # a replica each
  kubectl exec -n $NS redis-0 -c redis-cluster-agent -- \
    redis-cluster-agent status --seed 127.0.0.1:6379 >/dev/null
}
say "1. Install the webhook: certificates from certs/, manifests from deploy/"
run certs/make-certs.sh "$CERTS"
run kubectl apply -k "$CERTS"
run kubectl -n redis-cluster-system rollout status deployment/redis-cluster-webhook --timeout=120s

say "2. A plain StatefulSet of 6 stock redis pods, labelled redis-cluster=managed"
run grep -n -B2 -A3 'redis-cluster: managed' deploy/example/redis-statefulset.yaml
run kubectl apply -k deploy/example/
run kubectl -n $NS rollout status statefulset/redis --timeout=180s
run kubectl -n $NS get pods -o wide
until_ok 180 "a healthy cluster of 3 masters" cluster_ok 3
run kubectl exec -n $NS redis-0 -c redis-cluster-agent -- redis-cluster-agent status --seed 127.0.0.1:6379

IP=$(pod_ip redis-1)
say "3. Write $KEYS keys through the cluster (a small redis-py cluster client)"
run tests/e2e/keys.py write "$IP" "$KEYS"
run tests/e2e/keys.py check "$IP" "$KEYS"

say "4. Scale out: one command, nothing else"
START=$(date +%s.%N)
run kubectl -n $NS scale statefulset/redis --replicas=8
run kubectl -n $NS rollout status statefulset/redis --timeout=180s
until_ok 300 "a balanced cluster of 4 masters" cluster_ok 4
printf 'balanced 4 masters %.1f s after kubectl scale\n' "$(echo "$(date +%s.%N) - $START" | bc)"
run kubectl -n $NS logs redis-0 -c redis-cluster-agent --tail=25
run kubectl exec -n $NS redis-0 -c redis-cluster-agent -- redis-cluster-agent status --seed 127.0.0.1:6379
run tests/e2e/keys.py check "$IP" "$KEYS"

say "5. Scale back to 6: the two leaving masters are drained before their pods stop"
START=$(date +%s.%N)
run kubectl -n $NS scale statefulset/redis --replicas=6
until_ok 300 "pods redis-6 and redis-7 to be gone" \
  sh -c "! kubectl -n $NS get pod redis-6 redis-7 -o name 2>/dev/null | grep -q pod"
until_ok 300 "a balanced cluster of 3 masters" cluster_ok 3
printf 'balanced 3 masters %.1f s after kubectl scale\n' "$(echo "$(date +%s.%N) - $START" | bc)"
run kubectl -n $NS logs redis-0 -c redis-cluster-agent --tail=15
run kubectl -n $NS get events
run kubectl exec -n $NS redis-0 -c redis-cluster-agent -- redis-cluster-agent status --seed 127.0.0.1:6379
IP=$(pod_ip redis-1)
run tests/e2e/keys.py check "$IP" "$KEYS"
say "Done: 6 -> 8 -> 6 pods, every key still there."
