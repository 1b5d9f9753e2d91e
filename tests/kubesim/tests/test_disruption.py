"""kubectl cordon/drain: evictions honour PodDisruptionBudgets; cordoned nodes get no new pods."""
from support import apply, get, kubectl, ready_pods, redis_statefulset, wait_for


def test_drain_evicts_within_the_budget_and_reschedules_elsewhere(ns):
    svc, sts = redis_statefulset("dr", replicas=3, policy="Parallel")
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "dr"},
           "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "dr"}}}}
    apply(ns, svc, sts, pdb)
    pods = wait_for("3 ready pods", lambda: len(ready_pods(ns, "app=dr")) == 3 and ready_pods(ns, "app=dr"))
    wait_for("pdb allows 1", lambda: (get(ns, "pdb", "dr").get("status") or {}).get("disruptionsAllowed") == 1)
    node = pods["dr-0"]["spec"]["nodeName"]
    strict = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "dr-strict"},
              "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "dr"}}}}
    apply(ns, strict)
    try:
        p = kubectl("drain", node, "--ignore-daemonsets", "--pod-selector=app=dr", "--timeout=2s", check=False, timeout=30)
        assert p.returncode != 0 and "violate the pod's disruption budget" in p.stderr, p.stderr
        assert "SchedulingDisabled" in kubectl("get", "node", node).stdout
        kubectl("-n", ns, "delete", "pdb", "dr-strict")
        kubectl("drain", node, "--ignore-daemonsets", "--pod-selector=app=dr", "--timeout=60s", timeout=90)
        moved = wait_for("dr-0 back and ready", lambda: ready_pods(ns, "app=dr").get("dr-0"))
        assert moved["spec"]["nodeName"] != node
        assert all(p["spec"]["nodeName"] != node for p in ready_pods(ns, "app=dr").values())
    finally:
        kubectl("uncordon", node, check=False)
