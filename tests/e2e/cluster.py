"""Redis-side checks for the e2e story, run from the test process (pod IPs are reachable):
CLUSTER NODES / CLUSTER INFO on every pod, `redis-cli --cluster check` as the referee, and
redis-py's cluster client for keys and client load."""
import os
import random
import re
import subprocess
import threading
import time

import redis
from redis.cluster import ClusterNode, RedisCluster

import kube

SLOTS = 16384

# TLS for every connection of the helpers below, while a test has set it (use_tls): the CA
# verifies the chain; pods are dialled by IP, so no name is checked (as the agent does).
_TLS = {"ca": None}


class use_tls:
    """with cluster.use_tls(CA_FILE): every helper connects with TLS, verified by CA_FILE."""

    def __init__(self, ca_file):
        self.ca_file = ca_file

    def __enter__(self):
        _TLS["ca"] = self.ca_file

    def __exit__(self, *exc):
        _TLS["ca"] = None


def _tls_kwargs():
    if not _TLS["ca"]:
        return {}
    return {"ssl": True, "ssl_ca_certs": _TLS["ca"], "ssl_cert_reqs": "required",
            "ssl_check_hostname": False}


def node(ip, password=None, timeout=2.0):
    return redis.Redis(host=ip, port=6379, password=password, socket_timeout=timeout,
                       socket_connect_timeout=timeout, decode_responses=True, **_tls_kwargs())


def parse_nodes(text):
    """CLUSTER NODES -> list of dicts: id, ip, flags (set), master (id or None), slots (count),
    ranges (count of slot ranges), open (bool: a [slot->-id] or [slot-<-id] entry), link."""
    out = []
    for line in text.strip().splitlines():
        f = line.split()
        if len(f) < 8:
            continue
        slots, open_slot, owned = 0, False, []
        for s in f[8:]:
            if s.startswith("["):
                open_slot = True
            elif "-" in s:
                a, b = s.split("-")
                slots += int(b) - int(a) + 1
                owned.append((int(a), int(b)))
            else:
                slots += 1
                owned.append((int(s), int(s)))
        owned.sort()
        ranges = sum(1 for i, (a, _) in enumerate(owned) if i == 0 or owned[i - 1][1] + 1 != a)
        out.append({"id": f[0], "ip": f[1].split(":")[0], "flags": set(f[2].split(",")),
                    "master": None if f[3] == "-" else f[3], "slots": slots, "ranges": ranges,
                    "open": open_slot,
                    "link": f[7]})
    return out


def redis_cli_check(ip, password=None, timeout=30):
    """`redis-cli --cluster check IP:6379`: (passed, output). Passed means every slot is
    covered, every node agrees on the configuration and no slot is open."""
    args = ["redis-cli", "--cluster", "check", f"{ip}:6379"]
    if _TLS["ca"]:
        args[1:1] = ["--tls", "--cacert", _TLS["ca"]]
    env = None
    if password:
        env = dict(os.environ, REDISCLI_AUTH=password)
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    out = re.sub(r"\x1b\[[0-9;]*m", "", p.stdout + p.stderr)  # redis-cli's colours
    passed = (p.returncode == 0 and "[OK] All 16384 slots covered." in out
              and "[OK] All nodes agree about slots configuration." in out
              and "[WARNING]" not in out and "[ERR]" not in out)
    return passed, out


class Health:
    """One look at the whole cluster from every ready pod."""

    def __init__(self, ips, password=None):
        self.ips = ips  # pod name -> IP
        self.problems = []
        self.views = {}
        self.masters = []  # nodes (from pod-0's view, else any) that hold slots
        for pod, ip in sorted(ips.items()):
            try:
                c = node(ip, password)
                # Two words, so redis-py's parsers for "CLUSTER INFO"/"CLUSTER NODES" stay out.
                info = c.execute_command("CLUSTER", "INFO")
                nodes = parse_nodes(c.execute_command("CLUSTER", "NODES"))
            except redis.RedisError as e:
                self.problems.append(f"{pod} ({ip}): {e}")
                continue
            self.views[pod] = nodes
            state = re.search(r"cluster_state:(\w+)", info)
            state = state.group(1) if state else "unknown"
            if state != "ok":
                self.problems.append(f"{pod}: cluster_state {state}")

    def check(self, masters, replicas_per_master):
        """Problems (empty when healthy) for M masters with R replicas each, balanced slots, every
        pod a node, no failed/handshake/unknown node, no open slot, all views agreeing."""
        problems = list(self.problems)
        want_nodes = masters * (1 + replicas_per_master)
        pod_ips = set(self.ips.values())
        if len(pod_ips) != want_nodes:
            problems.append(f"{len(pod_ips)} ready pods, want {want_nodes}")
        signatures = set()
        for pod, nodes in self.views.items():
            bad = [n for n in nodes if n["flags"] & {"fail", "fail?", "handshake", "noaddr"}]
            if bad:
                problems.append(f"{pod} sees bad nodes: " +
                                ", ".join(f"{n['ip']} {sorted(n['flags'])}" for n in bad))
            if any(n["open"] for n in nodes):
                problems.append(f"{pod} has an open slot")
            ips = {n["ip"] for n in nodes}
            if ips != pod_ips:
                problems.append(f"{pod} knows {sorted(ips)}, pods are {sorted(pod_ips)}")
            ms = [n for n in nodes if "master" in n["flags"] and n["slots"] > 0]
            signatures.add(tuple(sorted((n["id"], n["slots"]) for n in ms)))
            if len(ms) != masters:
                problems.append(f"{pod} sees {len(ms)} masters with slots, want {masters}")
            if sum(n["slots"] for n in ms) != SLOTS:
                problems.append(f"{pod} sees {sum(n['slots'] for n in ms)} slots covered")
            share = SLOTS / masters
            for m in ms:
                if abs(m["slots"] - share) >= 2:
                    problems.append(f"{pod}: master {m['ip']} has {m['slots']} slots, share {share:.0f}")
                reps = [n for n in nodes if n["master"] == m["id"] and "slave" in n["flags"]]
                if len(reps) != replicas_per_master:
                    problems.append(f"{pod}: master {m['ip']} has {len(reps)} replicas")
            empty = [n for n in nodes if "master" in n["flags"] and n["slots"] == 0]
            if empty:
                problems.append(f"{pod} sees empty masters {[n['ip'] for n in empty]}")
        if len(signatures) > 1:
            problems.append("pods disagree about the masters and their slots")
        return problems

    def masters_by_pod(self):
        """pod name -> True when that pod's node is a master with slots (pod's own view)."""
        out = {}
        for pod, ip in self.ips.items():
            mine = [n for n in self.views.get(pod, []) if "myself" in n["flags"]]
            out[pod] = bool(mine) and "master" in mine[0]["flags"] and mine[0]["slots"] > 0
        return out


def data_shape(ips, password=None):
    """{master ip: (keys, slot ranges)} for the masters with slots, from each master itself."""
    shape = {}
    for ip in sorted(set(ips.values())):
        c = node(ip, password)
        me = [n for n in parse_nodes(c.execute_command("CLUSTER", "NODES")) if "myself" in n["flags"]]
        if me and "master" in me[0]["flags"] and me[0]["slots"] > 0:
            shape[ip] = (c.dbsize(), me[0]["ranges"])
        c.close()
    return shape


def assert_data_balanced(ips, masters, max_ranges, password=None, tolerance=0.03):
    """Every master holds its share of the keys (within `tolerance` of fair) in at most
    `max_ranges` slot ranges; returns the shape for the test's report."""
    shape = data_shape(ips, password)
    assert len(shape) == masters, shape
    total = sum(k for k, _ in shape.values())
    for ip, (keys, ranges) in shape.items():
        assert abs(keys / total - 1 / masters) <= tolerance / masters, \
            f"master {ip} holds {keys} of {total} keys, fair share {total / masters:.0f}: {shape}"
        assert ranges <= max_ranges, f"master {ip} owns {ranges} slot ranges: {shape}"
    return shape


def wait_healthy(ns, selector, masters, replicas_per_master, timeout=180, password=None):
    """Waits until the pods form a healthy, balanced cluster and `redis-cli --cluster check`
    passes; returns {pod: ip}."""
    last = {"problems": None}

    def ok():
        ips = kube.ready_pod_ips(ns, selector)
        if not ips:
            last["problems"] = ["no ready pod"]
            return None
        problems = Health(ips, password).check(masters, replicas_per_master)
        if not problems:
            passed, out = redis_cli_check(next(iter(ips.values())), password)
            if not passed:
                problems = ["redis-cli --cluster check:\n" + out]
        last["problems"] = problems
        return None if problems else ips

    def diagnose():
        text = "problems: " + "\n".join(last["problems"] or []) + "\n"
        text += "coordinator log (tail):\n" + "\n".join(
            kube.logs(ns, pod_zero(selector), "redis-cluster-agent", check=False).splitlines()[-40:])
        return text

    return kube.wait_for(f"{masters} masters x {replicas_per_master} replicas healthy in {ns}", ok,
                         timeout=timeout, interval=1.0, diagnose=lambda: diagnose())


def pod_zero(selector):
    # The example's selector is app=NAME and its pods NAME-N.
    return selector.split("=", 1)[1] + "-0"


def cluster_client(ip, password=None):
    return RedisCluster(startup_nodes=[ClusterNode(ip, 6379)], password=password,
                        decode_responses=True, socket_timeout=5, socket_connect_timeout=5,
                        cluster_error_retry_attempts=10, **_tls_kwargs())


class KeyBook:
    """Keys written through the cluster client and their acknowledged values."""

    def __init__(self):
        self.values = {}
        self.lock = threading.Lock()

    def write(self, client, prefix, count, batch=500):
        for start in range(0, count, batch):
            items = {f"{prefix}:{i}": f"v{i}-{random.randrange(1 << 30)}"
                     for i in range(start, min(count, start + batch))}
            client.mset_nonatomic(items)
            with self.lock:
                self.values.update(items)

    def missing(self, client, batch=1000):
        """Keys whose value is not the acknowledged one (read back through the cluster client)."""
        with self.lock:
            items = list(self.values.items())
        wrong = []
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            got = client.mget_nonatomic([k for k, _ in chunk])
            wrong += [k for (k, v), g in zip(chunk, got) if g != v]
        return wrong


class Load(threading.Thread):
    """Client load: SET of new keys and GET of acknowledged ones, one at a time, until stopped.
    Every acknowledged SET goes into the KeyBook; every exception is a failed operation (no
    retry: a client error during a move is a defect of the move)."""

    def __init__(self, ip, book, prefix, password=None):
        super().__init__(daemon=True)
        self.client = cluster_client(ip, password)
        self.book, self.prefix = book, prefix
        self.stop_event = threading.Event()
        self.ops = 0
        self.failures = []
        self.wrong_reads = []

    def run(self):
        i = 0
        mine = []
        while not self.stop_event.is_set():
            key, value = f"{self.prefix}:{i}", f"load-{i}"
            try:
                self.client.set(key, value)
                with self.book.lock:
                    self.book.values[key] = value
                mine.append((key, value))
                k, v = random.choice(mine)
                got = self.client.get(k)
                if got != v:
                    self.wrong_reads.append((k, v, got))
                self.ops += 2
            except Exception as e:  # every failed operation is recorded and reported
                self.failures.append(f"{time.strftime('%H:%M:%S')} {key}: {type(e).__name__}: {e}")
                time.sleep(0.05)
            i += 1

    def summary(self):
        return f"{self.ops} client operations, {len(self.failures)} failed"

    def stop(self):
        self.stop_event.set()
        self.join(timeout=30)
        self.client.close()
