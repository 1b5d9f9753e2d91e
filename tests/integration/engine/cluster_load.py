#!/usr/bin/python3
"""Client load on a Redis Cluster through redis-py's RedisCluster (follows
MOVED/ASK, retries TRYAGAIN): writes unique keys and reads back earlier ones
until STOP_FILE exists, then checks every acknowledged write. Creates
READY_FILE after the first writes. Prints one JSON object; its error_log holds
the first 10 errors as "ISO-time operation: error". No workaround for
redis-py 4.3 failing an ASK to a node it has not cached (AttributeError
'NoneType' ... 'server_type', https://github.com/redis/redis-py/issues/2432):
the migration engine must not make clients meet that, so the load shows it.

usage: cluster_load.py HOST PORT PREFIX READY_FILE STOP_FILE
env:   LOAD_PASSWORD  the cluster's password, when it has one
       LOAD_RATE      writes per second (plus a read every second write); 0 or unset: flat out
"""
import json
import os
import datetime
import random
import sys
import time

import redis
from redis.cluster import RedisCluster


def p99(samples):
    if not samples:
        return 0.0
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * 0.99))] * 1000.0


def main():
    host, port, prefix, ready_file, stop_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    rc = RedisCluster(host=host, port=port, password=os.environ.get("LOAD_PASSWORD") or None,
                      cluster_error_retry_attempts=5)
    acked = []
    writes = reads = errors = wrong = 0
    first_error = ""
    error_log = []

    def log_error(what, e):
        if len(error_log) < 10:
            now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
            error_log.append("%s %s: %r" % (now, what, e))
    latencies = []
    i = 0
    deadline = time.time() + float(os.environ.get("LOAD_DEADLINE_S", "120"))
    rate = float(os.environ.get("LOAD_RATE") or 0)
    paced_from = time.perf_counter()
    while not os.path.exists(stop_file) and time.time() < deadline:
        if rate > 0:
            ahead = paced_from + i / rate - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
        key = "%s%d" % (prefix, i)
        t0 = time.perf_counter()
        try:
            if rc.set(key, str(i)):
                acked.append(i)
            writes += 1
        except Exception as e:  # noqa: BLE001 - every failure counts
            errors += 1
            first_error = first_error or repr(e)
            log_error("SET " + key, e)
        latencies.append(time.perf_counter() - t0)
        i += 1
        if acked and i % 2 == 0:
            j = random.choice(acked)
            t0 = time.perf_counter()
            try:
                v = rc.get("%s%d" % (prefix, j))
                reads += 1
                if v is None or int(v) != j:
                    wrong += 1
            except Exception as e:  # noqa: BLE001
                errors += 1
                first_error = first_error or repr(e)
                log_error("GET %s%d" % (prefix, j), e)
            latencies.append(time.perf_counter() - t0)
        if i == 200:
            open(ready_file, "w").close()
    lost = 0
    for start in range(0, len(acked), 1000):
        chunk = acked[start:start + 1000]
        values = rc.mget_nonatomic(["%s%d" % (prefix, j) for j in chunk])
        for j, v in zip(chunk, values):
            if v is None or int(v) != j:
                lost += 1
    print(json.dumps({"client": "redis-py " + redis.__version__, "writes": writes, "reads": reads,
                      "acked": len(acked), "errors": errors, "wrong": wrong, "lost": lost, "p99_ms": round(p99(latencies), 3),
                      "first_error": first_error, "error_log": error_log}))


if __name__ == "__main__":
    main()
