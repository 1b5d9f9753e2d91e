#!/usr/bin/python3
"""Captures the CLUSTER NODES fixtures in this folder from real redis-server processes.

Run by hand (not by the build): ./capture_cluster_nodes.py [OUTDIR]
Builds a 3-master + 3-replica cluster on 127.30.1.1-6:6379 with `redis-cli --cluster create`
and walks it through the states the parser must understand, writing one file per state.
Every process it starts is stopped by its pid at the end, also on failure.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
BASE = "127.30.1."
PORT = 6379
NODE_TIMEOUT_MS = 1000
procs = {}  # ip -> Popen
root = tempfile.mkdtemp(prefix="rc-capture-")


def cli(ip, *args, check=True):
    res = subprocess.run(["redis-cli", "-h", ip, "-p", str(PORT), *args],
                         capture_output=True, text=True, timeout=10)
    if check and res.returncode != 0:
        raise RuntimeError(f"redis-cli {ip} {args}: {res.stderr}")
    return res.stdout


def start(ip, announce=True, fresh=False, extra=()):
    d = os.path.join(root, ip)
    if fresh:
        shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, exist_ok=True)
    conf = [f"bind {ip}", f"port {PORT}", f"dir {d}", "save \"\"", "appendonly no",
            "protected-mode no", f"logfile {d}/redis.log", "cluster-enabled yes",
            "cluster-config-file nodes.conf", f"cluster-node-timeout {NODE_TIMEOUT_MS}",
            f"bind-source-addr {ip}", "cluster-allow-replica-migration no",
            "cluster-replica-validity-factor 0", *extra]
    if announce:
        conf.append(f"cluster-announce-ip {ip}")
    with open(os.path.join(d, "redis.conf"), "w") as f:
        f.write("\n".join(conf) + "\n")
    server = os.environ.get("RC_REDIS_SERVER") or "redis-server"
    procs[ip] = subprocess.Popen([server, os.path.join(d, "redis.conf")])
    wait(lambda: cli(ip, "PING", check=False).strip() == "PONG", f"{ip} answers PING")


def kill(ip, sig=signal.SIGKILL):
    p = procs.pop(ip)
    p.send_signal(signal.SIGCONT)
    p.send_signal(sig)
    p.wait()


def wait(cond, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for: {what}")


def nodes(ip):
    return cli(ip, "CLUSTER", "NODES")


def save(name, text):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)
    print(f"== {name}\n{text}")


def node_id(ip):
    return cli(ip, "CLUSTER", "MYID").strip()


def line_of(text, ident):
    return next(l for l in text.splitlines() if l.startswith(ident))


def main():
    ips = [BASE + str(i) for i in range(1, 7)]
    for ip in ips:
        start(ip)
    subprocess.run(["redis-cli", "--cluster", "create", *[f"{ip}:{PORT}" for ip in ips],
                    "--cluster-replicas", "1", "--cluster-yes"], check=True,
                   capture_output=True, timeout=60)
    wait(lambda: all("cluster_state:ok" in cli(ip, "CLUSTER", "INFO") for ip in ips) and
         all(nodes(ip).count("connected") == 6 and "handshake" not in nodes(ip) for ip in ips),
         "cluster ok on every node")
    ids = {ip: node_id(ip) for ip in ips}
    masters = [ip for ip in ips if "myself,master" in nodes(ip)]
    replica = next(ip for ip in ips if "myself,slave" in nodes(ip))
    m1, m2, m3 = masters
    save("fresh_cluster.txt", nodes(m1))
    save("fresh_cluster_replica_view.txt", nodes(replica))

    # Open slots: 100 moves m1 -> m2; 5461 (owned by m2) is imported by m1.
    cli(m1, "CLUSTER", "SETSLOT", "100", "MIGRATING", ids[m2])
    cli(m2, "CLUSTER", "SETSLOT", "100", "IMPORTING", ids[m1])
    cli(m1, "CLUSTER", "SETSLOT", "5461", "IMPORTING", ids[m2])
    save("open_slots_source.txt", nodes(m1))
    save("open_slots_target.txt", nodes(m2))
    for ip, slot in ((m1, "100"), (m2, "100"), (m1, "5461")):
        cli(ip, "CLUSTER", "SETSLOT", slot, "STABLE")

    # Handshake: MEET an address where nobody listens; the entry lives for ~node timeout.
    cli(m1, "CLUSTER", "MEET", BASE + "9", str(PORT))
    save("handshake.txt", nodes(m1))
    wait(lambda: "handshake" not in nodes(m1), "handshake entry dropped")

    # nofailover on a replica, gossiped to the others.
    cli(replica, "CONFIG", "SET", "cluster-replica-no-failover", "yes")
    wait(lambda: "nofailover" in line_of(nodes(m1), ids[replica]), "nofailover gossiped")
    save("nofailover.txt", nodes(m1))
    cli(replica, "CONFIG", "SET", "cluster-replica-no-failover", "no")

    # Hostnames (redis 7: ip:port@cport,hostname).
    for i, ip in enumerate(ips):
        cli(ip, "CONFIG", "SET", "cluster-announce-hostname",
            f"redis-{i}.redis.default.svc.cluster.local")
    wait(lambda: nodes(m1).count(".svc.cluster.local") == 6, "hostnames gossiped")
    save("hostnames.txt", nodes(m1))

    # fail?: two of three masters stopped; one live master cannot reach a FAIL quorum.
    for ip in (m2, m3):
        procs[ip].send_signal(signal.SIGSTOP)
    wait(lambda: nodes(m1).count("master,fail?") == 2, "two masters fail? on m1")
    save("pfail.txt", nodes(m1))
    for ip in (m2, m3):
        procs[ip].send_signal(signal.SIGCONT)
    wait(lambda: "fail" not in nodes(m1), "masters back")

    # A failed master (kill -9), then its replica takes over.
    m3_replica = next(ip for ip in ips if ids[m3] in line_of(nodes(m1), ids[ip]).split()[3])
    kill(m3)
    wait(lambda: "master,fail " in line_of(nodes(m1), ids[m3]) + " ", "m3 marked fail")
    save("failed_master.txt", nodes(m1))
    wait(lambda: "cluster_state:ok" in cli(m1, "CLUSTER", "INFO") and
         "master" in line_of(nodes(m1), ids[m3_replica]).split()[2], "failover done")
    save("failover_done.txt", nodes(m1))

    # noaddr: m3 comes back with an empty dir (a new node id) on the same address; the peers'
    # link to the old id meets a different id there and forget the old id's address.
    start(m3, fresh=True)
    wait(lambda: "noaddr" in line_of(nodes(m1), ids[m3]), "old m3 id marked noaddr")
    save("noaddr.txt", nodes(m1))

    # A lone fresh node without cluster-announce-ip does not know its own address yet.
    lone = BASE + "8"
    start(lone, announce=False)
    save("lone_node_no_ip.txt", nodes(lone))


if __name__ == "__main__":
    try:
        main()
    finally:
        for ip in list(procs):
            kill(ip)
        if os.environ.get("KEEP"):
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
