#!/usr/bin/python3
"""Scale-out timing for issue 7's closing note: `kubectl scale` 6 -> 8 of a labelled StatefulSet
holding KEYS keys (default 200000) until the cluster is balanced (4 masters with a replica each,
`redis-cli --cluster check` clean), next to the same steps done by hand with redis-cli on the same
data in an unlabelled StatefulSet (kubectl scale, add-node x2, rebalance --cluster-use-empty-masters).

Run: tests/e2e/run-bench.sh BUILD_DIR [KEYS]   (one kubesim; the two clusters one after the other)
Prints one line per measure and a ratio; exits 1 when either cluster ends unhealthy or loses keys."""
import json
import os
import re
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster  # noqa: E402
import kube  # noqa: E402

KEYS = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
VALUE = "x" * 32


def install():
    certs = os.path.join(kube.STATE_DIR, "bench-certs")
    subprocess.run([os.path.join(kube.REPO, "certs", "make-certs.sh"), certs], check=True,
                   capture_output=True)
    kube.kubectl("apply", "-k", certs)
    kube.kubectl("-n", "redis-cluster-system", "rollout", "status", "deployment/redis-cluster-webhook",
                 "--timeout=180s", timeout=200)


def example(ns, labelled):
    with open(os.path.join(kube.REPO, "deploy", "example", "redis-statefulset.yaml")) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    for d in docs:
        d["metadata"]["namespace"] = ns
        for s in d.get("subjects", []):
            s["namespace"] = ns
        if d["kind"] == "StatefulSet" and not labelled:
            # The same pods as a user would run them without the webhook: cluster mode on, the
            # settings the agent renders (appendonly, node timeout, no replica migration).
            del d["metadata"]["labels"]
            d["spec"]["podManagementPolicy"] = "Parallel"
            c = d["spec"]["template"]["spec"]["containers"][0]
            c["args"] = ["--cluster-enabled", "yes", "--cluster-config-file", "/data/nodes.conf",
                         "--dir", "/data", "--appendonly", "yes", "--cluster-node-timeout", "5000",
                         "--cluster-allow-replica-migration", "no", "--protected-mode", "no"]
            c["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
            d["spec"]["template"]["spec"]["volumes"] = [{"name": "data", "emptyDir": {}}]
    return docs


def load(ip):
    client = cluster.cluster_client(ip)
    start = time.monotonic()
    for i in range(0, KEYS, 2000):
        client.mset_nonatomic({f"key:{n}": VALUE for n in range(i, min(KEYS, i + 2000))})
    client.close()
    return time.monotonic() - start


def count(ip):
    client = cluster.cluster_client(ip)
    ok = 0
    keys = [f"key:{n}" for n in range(KEYS)]
    for i in range(0, KEYS, 5000):
        ok += sum(1 for v in client.mget_nonatomic(keys[i:i + 5000]) if v == VALUE)
    client.close()
    return ok


T0 = time.monotonic()


def say(text):
    print(f"[{time.monotonic() - T0:7.1f} s] {text}", file=sys.stderr, flush=True)


def redis_cli(*args, timeout=1800, tries=10):
    """`redis-cli --cluster ARGS`, rerun (after a second) while it fails, as a user would when
    the nodes do not agree yet: (exit code, output of the last run, seconds for all runs)."""
    start = time.monotonic()
    for attempt in range(tries):
        say("$ redis-cli --cluster " + " ".join(args))
        p = subprocess.run(["redis-cli", "--cluster", *args], capture_output=True, text=True, timeout=timeout)
        out = re.sub(r"\x1b\[[0-9;]*m", "", p.stdout + p.stderr)
        if p.returncode == 0:
            break
        say(f"failed (try {attempt + 1}): " + " | ".join(out.strip().splitlines()[-2:]))
        time.sleep(1)
    return p.returncode, out, time.monotonic() - start


def wait_check(ip, timeout=300):
    return kube.wait_for("redis-cli --cluster check clean", lambda: cluster.redis_cli_check(ip)[0],
                         timeout=timeout, interval=0.5)


def wait_all_know_each_other(ips, timeout=120):
    """Every node lists every other one (CLUSTER NODES): what a careful operator waits for before
    a rebalance (redis-cli's check only compares slot maps; a master that has not heard of the
    new node yet fails SETSLOT with "I don't know about node" and leaves the slot open)."""
    want = set(ips.values())

    def known():
        return all({n["ip"] for n in cluster.parse_nodes(cluster.node(ip).execute_command("CLUSTER", "NODES"))
                    if not n["flags"] & {"handshake", "noaddr"}} >= want for ip in want)
    kube.wait_for("every node to know every other one", known, timeout=timeout, interval=0.2)


def ready(ns, n):
    return kube.wait_for(f"{n} ready pods in {ns}",
                         lambda: (lambda ips: len(ips) == n and ips)(kube.ready_pod_ips(ns, "app=redis")),
                         timeout=300, interval=0.5)


def with_agent():
    ns = "bench-agent"
    kube.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(
        [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}] + example(ns, True)))
    ips = cluster.wait_healthy(ns, "app=redis", 3, 1, timeout=300)
    say("agent cluster formed; loading keys")
    took_load = load(ips["redis-1"])
    say(f"loaded {KEYS} keys in {took_load:.1f} s; kubectl scale to 8 at "
        f"{time.strftime('%H:%M:%S')}")
    start = time.monotonic()
    kube.kubectl("-n", ns, "scale", "statefulset/redis", "--replicas=8")
    ips = cluster.wait_healthy(ns, "app=redis", 4, 1, timeout=1800)
    total = time.monotonic() - start
    say(f"agent: balanced after {total:.1f} s")
    log = kube.logs(ns, "redis-0", "redis-cluster-agent").splitlines()
    # The coordinator's lines from the meeting of the new pods on, and the time its slot moves
    # took: from the first "rebalancing" line to "cluster balanced: 4 masters" (retries included).
    first = next(i for i, l in enumerate(log) if "redis-6" in l and "is new" in l)
    story = log[first:]
    say("coordinator log:\n" + "\n".join(story))

    def stamp(line):
        h, m, sec = line.split()[1].split(":")
        return int(h) * 3600 + int(m) * 60 + float(sec)
    began = next(stamp(l) for l in story if "rebalancing" in l)
    ended = next(stamp(l) for l in story if "cluster balanced: 4 masters" in l)
    moves = {"seconds": ended - began,
             "failed_runs": sum(1 for l in story if "rebalance failed" in l),
             "done": re.findall(r"rebalance done: moved (\d+) slots \((\d+) keys\) in ([\d.]+) s",
                                "\n".join(story))}
    got = count(ips["redis-1"])
    return {"load_s": took_load, "total_s": total, "moves": moves, "keys_read": got}


def by_hand():
    ns = "bench-manual"
    kube.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(
        [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}] + example(ns, False)))
    ips = ready(ns, 6)
    code, out, _ = redis_cli("create", *[f"{ips[f'redis-{i}']}:6379" for i in range(6)],
                             "--cluster-replicas", "1", "--cluster-yes")
    assert code == 0, out
    seed = ips["redis-0"]
    cluster.wait_healthy(ns, "app=redis", 3, 1, timeout=300)
    say("manual cluster created; loading keys")
    took_load = load(seed)
    say(f"loaded {KEYS} keys in {took_load:.1f} s; kubectl scale to 8")
    steps = []
    start = time.monotonic()
    kube.kubectl("-n", ns, "scale", "statefulset/redis", "--replicas=8")
    ips = ready(ns, 8)
    new_master, new_replica = ips["redis-6"], ips["redis-7"]
    code, out, t = redis_cli("add-node", f"{new_master}:6379", f"{seed}:6379")
    assert code == 0, out
    steps.append(("add-node master", t))
    master_id = cluster.node(new_master).execute_command("CLUSTER", "MYID")
    t0 = time.monotonic()
    wait_check(seed)  # a user reruns check until the new master is known everywhere
    steps.append(("wait for check", time.monotonic() - t0))
    code, out, t = redis_cli("add-node", f"{new_replica}:6379", f"{seed}:6379", "--cluster-slave",
                             "--cluster-master-id", master_id)
    assert code == 0, out
    steps.append(("add-node replica", t))
    t0 = time.monotonic()
    wait_check(seed)
    wait_all_know_each_other(ips)
    steps.append(("wait for check and gossip", time.monotonic() - t0))
    code, out, t = redis_cli("rebalance", f"{seed}:6379", "--cluster-use-empty-masters")
    assert code == 0, out
    steps.append(("rebalance", t))
    ips = cluster.wait_healthy(ns, "app=redis", 4, 1, timeout=600)
    total = time.monotonic() - start
    say(f"by hand: balanced after {total:.1f} s")
    got = count(seed)
    kube.kubectl("delete", "namespace", ns, "--wait=false")
    kube.wait_for("bench-manual pods gone", lambda: not kube.pods(ns, "app=redis"), timeout=120)
    return {"load_s": took_load, "total_s": total, "steps": steps, "keys_read": got}


def main():
    install()
    # By hand first: a deleted agent-managed StatefulSet's pods wait out their grace period
    # (FINDINGS.md 4), plain redis pods stop at once.
    hand = by_hand()
    agent = with_agent()
    print(json.dumps({"keys": KEYS, "agent": agent, "by_hand": hand}, indent=1))
    agent_move = agent["moves"]["seconds"]
    hand_move = next(t for s, t in hand["steps"] if s == "rebalance")
    print(f"keys: {KEYS}")
    print(f"agent:   kubectl scale -> balanced 4 masters: {agent['total_s']:.1f} s "
          f"(first 'rebalancing' to 'cluster balanced' in its log: {agent_move:.1f} s, "
          f"{agent['moves']['failed_runs']} failed run(s); keys read back {agent['keys_read']})")
    print(f"by hand: kubectl scale -> balanced 4 masters: {hand['total_s']:.1f} s "
          f"(redis-cli --cluster rebalance: {hand_move:.1f} s; keys read back {hand['keys_read']})")
    print(f"ratio by hand / agent: total {hand['total_s'] / agent['total_s']:.2f}x, "
          f"moving slots {hand_move / max(agent_move, 0.001):.2f}x")
    return 0 if agent["keys_read"] == KEYS and hand["keys_read"] == KEYS else 1


if __name__ == "__main__":
    sys.exit(main())
