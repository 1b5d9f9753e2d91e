"""Issue 15: a new user tries `redis-cluster.io/anti-affinity: required` with more pods than nodes.
Some pods stay Pending (kubesim schedules required anti-affinity like kube-scheduler), and the
coordinator says which ones and why, in Kubernetes' words, in its log and in an Event on the
StatefulSet, instead of only "waiting for all 6 pods to answer"."""
import yaml

import kube

NS = "redis-pending"
SELECTOR = "app=redis"
REASON = "FailedScheduling: 0/{n} nodes are available: {n} node(s) didn't match pod anti-affinity rules"


def unschedulable(pod):
    return any(c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
               for c in (pod.get("status") or {}).get("conditions") or [])


def test_the_coordinator_names_the_pending_pods_and_why(install):
    nodes = len(kube.get_json(None, "nodes")["items"])
    replicas = max(6, nodes + 3)  # three more pods than nodes: those cannot be placed
    docs = kube.example_manifests(NS, {"redis-cluster.io/anti-affinity": "required"})
    for d in docs:
        if d["kind"] == "StatefulSet":
            d["spec"]["replicas"] = replicas
    kube.kubectl("create", "namespace", NS)
    try:
        kube.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs))
        pending = kube.wait_for(f"{replicas - nodes} pods Unschedulable", lambda: (
            names := sorted((n for n, p in kube.pods(NS, SELECTOR).items() if unschedulable(p)),
                            key=lambda n: int(n.rsplit("-", 1)[1])))
            and len(names) == replicas - nodes and names, timeout=120)
        running = kube.wait_for(f"{nodes} pods ready", lambda: (
            ips := kube.ready_pod_ips(NS, SELECTOR)) and len(ips) == nodes and ips, timeout=180)
        reason = REASON.format(n=nodes)
        line = f"{', '.join(pending)} are Pending: {reason}"

        def coordinator_log():
            for pod in sorted(running):
                log = kube.logs(NS, pod, "redis-cluster-agent", check=False)
                if line in log:
                    return log
            return None
        log = kube.wait_for(f"a coordinator log line: {line}", coordinator_log, timeout=120,
                            diagnose=lambda: "\n".join(kube.logs(NS, p, "redis-cluster-agent", check=False)[-3000:]
                                                       for p in sorted(running)))
        said = [ln for ln in log.splitlines() if line in ln]
        assert said[0].startswith("W"), said[0]  # a warning, klog format
        assert "redis-cluster.io/anti-affinity" in said[0], said[0]  # and what to change
        assert f"({nodes} answer; {', '.join(pending)} do not)" in log, log[-3000:]
        # Said once (again at most every minute), not every loop.
        assert len(said) <= 2, said

        event = kube.wait_for("a PodsNotRunning Event on the StatefulSet", lambda: next(
            (e for e in kube.events(NS) if e.get("reason") == "PodsNotRunning"
             and e["involvedObject"].get("kind") == "StatefulSet" and line in e.get("message", "")), None),
            timeout=60)
        assert event["type"] == "Warning", event
        # The scheduler's own Event on each Pending pod, as `kubectl describe pod` shows it.
        for name in pending:
            assert any(e.get("reason") == "FailedScheduling" and e["involvedObject"].get("name") == name
                       for e in kube.events(NS)), name
    finally:
        kube.kubectl("delete", "namespace", NS, "--wait=false", check=False)
    kube.wait_for(f"namespace {NS} gone", lambda: kube.get_json(None, "namespace", NS) is None, timeout=180)
