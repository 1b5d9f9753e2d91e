#!/usr/bin/python3
"""A tiny cluster client for the demo: `keys.py write|check SEED_IP COUNT [PREFIX]`.
write: SETs PREFIX:1..COUNT to value-N through redis-py's cluster client (follows MOVED/ASK).
check: reads them back; prints how many have their value; exits 1 when any is missing.
The password, when the cluster has one, comes from REDISCLI_AUTH (never from an argument)."""
import os
import sys

from redis.cluster import ClusterNode, RedisCluster


def main(argv):
    if len(argv) not in (3, 4) or argv[0] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, seed, count = argv[0], argv[1], int(argv[2])
    prefix = argv[3] if len(argv) == 4 else "demo"
    client = RedisCluster(startup_nodes=[ClusterNode(seed, 6379)], decode_responses=True,
                          password=os.environ.get("REDISCLI_AUTH"), socket_timeout=5)
    keys = [f"{prefix}:{i}" for i in range(1, count + 1)]
    batch = 1000
    if mode == "write":
        for start in range(0, count, batch):
            client.mset_nonatomic({k: f"value-{k.rsplit(':', 1)[1]}" for k in keys[start:start + batch]})
        print(f"wrote {count} keys {prefix}:1..{count}")
        return 0
    ok = 0
    for start in range(0, count, batch):
        chunk = keys[start:start + batch]
        got = client.mget_nonatomic(chunk)
        ok += sum(1 for k, v in zip(chunk, got) if v == f"value-{k.rsplit(':', 1)[1]}")
    print(f"{ok} of {count} keys read back with their value")
    return 0 if ok == count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
