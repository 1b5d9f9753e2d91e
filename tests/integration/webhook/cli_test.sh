#!/usr/bin/env bash
# The webhook binary's command line: exit codes (0 ok, 1 failure, 2 bad usage),
# --help/--version, and a clean exit on SIGTERM while serving.
# usage: cli_test.sh PATH/TO/redis-cluster-webhook SOURCE_DIR
set -uo pipefail
BIN=$1
SRC=$2
TMP=$(mktemp -d /tmp/rc-webhook-cli-XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
failures=0
expect_exit() {  # expect_exit CODE DESCRIPTION -- ARGS...
  local want=$1 what=$2; shift 3
  "$BIN" "$@" > "$TMP/out" 2> "$TMP/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, want $want"; sed 's/^/  /' "$TMP/out" "$TMP/err"; failures=$((failures+1))
  else
    echo "ok: $what (exit $got)"
  fi
}
expect_exit 0 "--help" -- --help
grep -q -- "--tls-cert-file" "$TMP/out" || { echo "FAIL: --help does not list --tls-cert-file"; failures=$((failures+1)); }
expect_exit 0 "--version" -- --version
grep -q "0\.1\.0" "$TMP/out" || { echo "FAIL: --version does not print 0.1.0"; failures=$((failures+1)); }
expect_exit 2 "unknown flag" -- --bogus
grep -q "unknown flag" "$TMP/err" || { echo "FAIL: unknown flag not named"; failures=$((failures+1)); }
expect_exit 2 "missing TLS files" -- --port=0
expect_exit 2 "bad port value" -- --port=abc --tls-cert-file=a --tls-key-file=b
expect_exit 2 "bad worker thread count" -- --worker-threads=0 --tls-cert-file=a --tls-key-file=b
expect_exit 2 "bad sidecar mode" -- --sidecar-mode=sideways --tls-cert-file=a --tls-key-file=b
expect_exit 2 "positional argument" -- serve
expect_exit 2 "unexpanded agent image variable" -- '--agent-image=$(REDIS_CLUSTER_AGENT_IMAGE)' --tls-cert-file=a --tls-key-file=b
grep -q 'REDIS_CLUSTER_AGENT_IMAGE' "$TMP/err" || { echo "FAIL: unexpanded variable not named"; failures=$((failures+1)); }
expect_exit 1 "unreadable certificate" -- --tls-cert-file=/nonexistent.crt --tls-key-file=/nonexistent.key --port=0
grep -q "/nonexistent.crt" "$TMP/err" || { echo "FAIL: unreadable certificate not named"; failures=$((failures+1)); }

# Serve, answer, and stop cleanly on SIGTERM.
: > "$TMP/serve.log"
EXTRA_SANS="IP:127.0.0.1" "$SRC/certs/make-certs.sh" "$TMP/certs" > /dev/null || exit 1
"$BIN" --port=0 --bind-address=127.0.0.1 --tls-cert-file="$TMP/certs/tls.crt" \
  --tls-key-file="$TMP/certs/tls.key" --event-threads=2 2> "$TMP/serve.log" &
PID=$!
port=
deadline=$((SECONDS + 10))
while [ -z "$port" ] && [ $SECONDS -lt $deadline ]; do
  port=$(sed -n 's/.*serving HTTPS on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/serve.log")
  [ -z "$port" ] && sleep 0.05
done
if [ -z "$port" ]; then echo "FAIL: the server did not say it serves"; cat "$TMP/serve.log"; exit 1; fi
if curl -sf --cacert "$TMP/certs/ca.crt" "https://127.0.0.1:$port/healthz" | grep -q ok; then
  echo "ok: /healthz over TLS on port $port"
else
  echo "FAIL: /healthz"; failures=$((failures+1))
fi
# --event-threads (the former server's) is still accepted, and said to do nothing.
if grep -q "event-threads is deprecated" "$TMP/serve.log"; then
  echo "ok: --event-threads accepted with a deprecation warning"
else
  echo "FAIL: no deprecation warning for --event-threads"; cat "$TMP/serve.log"; failures=$((failures+1))
fi
kill -TERM "$PID"
wait "$PID"; code=$?
PID=
if [ "$code" -eq 0 ] && grep -q "stopped cleanly" "$TMP/serve.log"; then
  echo "ok: SIGTERM -> clean exit 0"
else
  echo "FAIL: SIGTERM exit $code"; cat "$TMP/serve.log"; failures=$((failures+1))
fi
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all CLI checks passed"
