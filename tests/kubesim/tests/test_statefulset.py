"""A plain StatefulSet of stock redis-server pods: IPs, DNS, scale, pod deletion, rolling update."""
import subprocess
import time

from support import (apply, get, kubectl, kubesim_exec, ready_pods, redis_statefulset, wait_for)


def test_pods_get_own_ips_and_cluster_dns(ns):
    apply(ns, *redis_statefulset("cache", replicas=3))
    pods = wait_for("3 ready pods", lambda: len(ready_pods(ns, "app=cache")) == 3 and ready_pods(ns, "app=cache"))
    assert sorted(pods) == ["cache-0", "cache-1", "cache-2"]
    ips = {name: p["status"]["podIP"] for name, p in pods.items()}
    assert len(set(ips.values())) == 3, ips
    for name, p in pods.items():
        labels = p["metadata"]["labels"]
        assert labels["statefulset.kubernetes.io/pod-name"] == name
        assert labels["apps.kubernetes.io/pod-index"] == name.split("-")[-1]
        assert p["spec"]["nodeName"].startswith("kubesim-node-")
    # Reachable from the test (outer namespace) at each pod IP.
    for ip in ips.values():
        out = subprocess.run(["redis-cli", "-h", ip, "ping"], capture_output=True, text=True, timeout=10)
        assert out.stdout.strip() == "PONG"
    eps = wait_for("endpoints of the 3 pods", lambda: (e := get(ns, "endpoints", "cache")) and e.get("subsets")
                   and len(e["subsets"][0].get("addresses", [])) == 3 and e)
    assert sorted(a["ip"] for a in eps["subsets"][0]["addresses"]) == sorted(ips.values())
    assert eps["subsets"][0]["ports"] == [{"name": "redis", "port": 6379, "protocol": "TCP"}]
    # 127.0.0.1 inside a pod is that pod's own redis: run ids differ.
    run_ids = {kubesim_exec(ns, n, "redis-cli", "-h", "127.0.0.1", "info", "server").stdout.split("run_id:")[1][:40]
               for n in pods}
    assert len(run_ids) == 3
    # DNS from inside a pod: per-pod names (search path), the service name, the API server.
    out = kubesim_exec(ns, "cache-0", "getent", "hosts", "cache-1.cache").stdout
    assert ips["cache-1"] in out and f"cache-1.cache.{ns}.svc.cluster.local" in out
    out = kubesim_exec(ns, "cache-2", "/usr/bin/python3", "-c",
                       "import socket; print(sorted(socket.gethostbyname_ex("
                       f"'cache.{ns}.svc.cluster.local')[2]))").stdout
    assert out.strip() == str(sorted(ips.values()))
    out = kubesim_exec(ns, "cache-0", "getent", "hosts", "kubernetes.default.svc").stdout
    assert out.split()[0] == "10.244.0.1"
    assert kubesim_exec(ns, "cache-0", "hostname").stdout.strip() == "cache-0"
    assert kubesim_exec(ns, "cache-0", "getent", "hosts", "nosuch.cache", check=False).returncode != 0
    # The test itself (kubesim-run's COMMAND) resolves cluster names too.
    out = subprocess.run(["getent", "hosts", f"cache-2.cache.{ns}.svc.cluster.local"], capture_output=True, text=True)
    assert out.stdout.split()[0] == ips["cache-2"]


def test_scale_adds_and_removes_highest_ordinal_first(ns):
    apply(ns, *redis_statefulset("sc", replicas=2))
    wait_for("2 ready pods", lambda: len(ready_pods(ns, "app=sc")) == 2)
    kubectl("-n", ns, "scale", "statefulset/sc", "--replicas=4")
    wait_for("4 ready pods", lambda: len(ready_pods(ns, "app=sc")) == 4)
    kubectl("-n", ns, "rollout", "status", "statefulset/sc", "--timeout=30s")
    created = {n: p["metadata"]["creationTimestamp"] for n, p in ready_pods(ns, "app=sc").items()}
    assert created["sc-2"] <= created["sc-3"]

    kubectl("-n", ns, "scale", "statefulset/sc", "--replicas=1")
    seen = []

    def remaining():
        names = sorted(p["metadata"]["name"] for p in get(ns, "pods", selector="app=sc")["items"])
        # OrderedReady: at every moment the pods left are a prefix sc-0..sc-k.
        assert names == [f"sc-{i}" for i in range(len(names))], names
        if not seen or seen[-1] != names:
            seen.append(names)
        return names == ["sc-0"]
    wait_for("scale down to 1", remaining, timeout=60)
    assert [len(s) for s in seen] == sorted({len(s) for s in seen}, reverse=True)
    sts = get(ns, "statefulset", "sc")
    assert sts["status"]["replicas"] == 1 and sts["status"]["readyReplicas"] == 1


def test_parallel_scale_down_deletes_all_leaving_pods_at_once(ns):
    svc, sts = redis_statefulset("par", replicas=4, policy="Parallel")
    # A 2 s preStop keeps leaving pods visible while they terminate, even on a loaded machine.
    sts["spec"]["template"]["spec"]["containers"][0]["lifecycle"] = {"preStop": {"exec": {"command": ["sleep", "2"]}}}
    apply(ns, svc, sts)
    wait_for("4 ready pods", lambda: len(ready_pods(ns, "app=par")) == 4)
    kubectl("-n", ns, "scale", "statefulset/par", "--replicas=2")
    # Both leaving pods are terminating at the same time (each takes at least a second to go).
    wait_for("par-2 and par-3 terminating together", lambda: sorted(
        p["metadata"]["name"] for p in get(ns, "pods", selector="app=par")["items"]
        if p["metadata"].get("deletionTimestamp")) == ["par-2", "par-3"], timeout=20, interval=0.1)
    wait_for("2 pods left", lambda: len(get(ns, "pods", selector="app=par")["items"]) == 2)


def test_deleted_pod_comes_back_with_same_name_new_ip(ns):
    svc, sts = redis_statefulset("dp", replicas=2, extra_spec={
        "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                  "spec": {"accessModes": ["ReadWriteOnce"],
                                           "resources": {"requests": {"storage": "1Gi"}}}}]})
    sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    apply(ns, svc, sts)
    pods = wait_for("2 ready pods", lambda: len(ready_pods(ns, "app=dp")) == 2 and ready_pods(ns, "app=dp"))
    old_ip, old_uid = pods["dp-1"]["status"]["podIP"], pods["dp-1"]["metadata"]["uid"]
    # A file on the PVC outlives the pod.
    kubesim_exec(ns, "dp-1", "sh", "-c", "echo kept > /data/marker")
    t0 = time.monotonic()
    kubectl("-n", ns, "delete", "pod", "dp-1", timeout=30)
    assert time.monotonic() - t0 < 20
    new = wait_for("dp-1 recreated and ready",
                   lambda: (p := ready_pods(ns, "app=dp").get("dp-1")) and p["metadata"]["uid"] != old_uid and p)
    assert new["status"]["podIP"] != old_ip
    assert kubesim_exec(ns, "dp-1", "cat", "/data/marker").stdout.strip() == "kept"
    pvcs = [p["metadata"]["name"] for p in get(ns, "pvc")["items"]]
    assert sorted(pvcs) == ["data-dp-0", "data-dp-1"]


def test_rolling_update_replaces_pods_and_rollout_status_completes(ns):
    apply(ns, *redis_statefulset("ru", replicas=2))
    kubectl("-n", ns, "rollout", "status", "statefulset/ru", "--timeout=60s", timeout=70)
    before = {n: p["metadata"]["uid"] for n, p in ready_pods(ns, "app=ru").items()}
    kubectl("-n", ns, "rollout", "restart", "statefulset/ru")
    order = []

    def replaced_in_order():
        for p in get(ns, "pods", selector="app=ru")["items"]:
            name = p["metadata"]["name"]
            if p["metadata"]["uid"] != before[name] and name not in order:
                order.append(name)
        return len(order) == 2
    wait_for("both pods replaced", replaced_in_order, timeout=60, interval=0.1)
    assert order == ["ru-1", "ru-0"]  # highest ordinal first
    out = kubectl("-n", ns, "rollout", "status", "statefulset/ru", "--timeout=60s", timeout=70).stdout
    assert "complete" in out
    after = wait_for("2 ready pods", lambda: len(ready_pods(ns, "app=ru")) == 2 and ready_pods(ns, "app=ru"))
    assert all(after[n]["metadata"]["uid"] != before[n] for n in before)
    sts = get(ns, "statefulset", "ru")
    assert sts["status"]["updatedReplicas"] == 2
    assert sts["status"]["currentRevision"] == sts["status"]["updateRevision"]
