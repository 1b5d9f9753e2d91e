"""Scheduling like kube-scheduler for required pod anti-affinity: a pod no node fits stays Pending
with PodScheduled=False (Unschedulable, the scheduler's message) and a FailedScheduling Event, and
is placed once a pod goes away; preferred anti-affinity only ranks nodes."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from kubesim import scheduler  # noqa: E402
from support import apply, get, kubectl, ready_pods, redis_statefulset, wait_for  # noqa: E402

NODES = [{"metadata": {"name": f"node-{i}", "labels": {"kubernetes.io/hostname": f"node-{i}",
                                                       "topology.kubernetes.io/zone": "z"}}}
         for i in (1, 2, 3)]


def _pod(name, labels, node="", ns="shop", required=None, preferred=None, phase="Running", deleting=False):
    anti = {}
    if required is not None:
        anti["requiredDuringSchedulingIgnoredDuringExecution"] = required
    if preferred is not None:
        anti["preferredDuringSchedulingIgnoredDuringExecution"] = [{"weight": 100, "podAffinityTerm": t}
                                                                   for t in preferred]
    md = {"name": name, "namespace": ns, "uid": name + "-uid", "labels": labels}
    if deleting:
        md["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": md, "spec": {"nodeName": node, "affinity": {"podAntiAffinity": anti}},
            "status": {"phase": phase}}


HOST = "kubernetes.io/hostname"
MATCH_LABELS = {"labelSelector": {"matchLabels": {"app": "redis"}}, "topologyKey": HOST}
MATCH_EXPR = {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["redis"]}]},
              "topologyKey": HOST}
FULL = "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."


def _three_placed(required=(MATCH_LABELS,), **kw):
    return [_pod(f"redis-{i}", {"app": "redis"}, node=f"node-{i + 1}", required=list(required), **kw)
            for i in range(3)]


@pytest.mark.parametrize("case, pods, pod, nodes, want", [
    ("matchLabels: every node holds one", _three_placed(),
     _pod("redis-3", {"app": "redis"}, required=[MATCH_LABELS]), NODES, (None, FULL)),
    ("matchExpressions: the same", _three_placed(),
     _pod("redis-3", {"app": "redis"}, required=[MATCH_EXPR]), NODES, (None, FULL)),
    ("a terminating pod still holds its node", _three_placed(deleting=True),
     _pod("redis-3", {"app": "redis"}, required=[MATCH_LABELS]), NODES, (None, FULL)),
    ("a finished pod does not", _three_placed(phase="Failed"),
     _pod("redis-3", {"app": "redis"}, required=[MATCH_LABELS]), NODES, ("node-1", "")),
    ("the free node", _three_placed()[:2],
     _pod("redis-3", {"app": "redis"}, required=[MATCH_LABELS]), NODES, ("node-3", "")),
    ("another namespace's pods do not count", _three_placed(ns="other"),
     _pod("redis-3", {"app": "redis"}, required=[MATCH_LABELS]), NODES, ("node-1", "")),
    ("namespaces named in the term count", _three_placed(ns="other"),
     _pod("redis-3", {"app": "redis"}, required=[dict(MATCH_LABELS, namespaces=["other"])]), NODES, (None, FULL)),
    ("an existing pod's required term keeps a matching pod off its node",
     [_pod("guard", {"app": "guard"}, node=f"node-{i}", required=[MATCH_LABELS]) for i in (1, 2, 3)],
     _pod("redis-0", {"app": "redis"}), NODES,
     (None, "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.")),
    ("cordoned and full nodes are counted apart, reasons sorted", _three_placed()[:2],
     _pod("redis-3", {"app": "redis"}, required=[MATCH_LABELS]),
     NODES[:2] + [dict(NODES[2], spec={"unschedulable": True})],
     (None, "0/3 nodes are available: 2 node(s) didn't match pod anti-affinity rules, "
            "1 node(s) were unschedulable.")),
    ("preferred only ranks: the least crowded node", _three_placed(required=()) + [_pod("x", {"app": "redis"}, node="node-1")],
     _pod("redis-3", {"app": "redis"}, preferred=[MATCH_LABELS]), NODES, ("node-2", "")),
    ("a zone key: one zone holds them all", _three_placed()[:1],
     _pod("redis-3", {"app": "redis"}, required=[dict(MATCH_LABELS, topologyKey="topology.kubernetes.io/zone")]),
     NODES, (None, FULL)),
    ("a key no node has filters nothing", _three_placed(required=()),
     _pod("redis-3", {"app": "redis"}, required=[dict(MATCH_LABELS, topologyKey="rack")]), NODES, ("node-1", "")),
])
def test_scheduler_decision(case, pods, pod, nodes, want):
    assert scheduler.schedule(pod, pods, nodes) == want, case


def _term(app):
    return {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": [app]}]},
            "topologyKey": HOST}


def _scheduled_condition(pod):
    return next((c for c in (pod.get("status") or {}).get("conditions") or [] if c["type"] == "PodScheduled"), {})


def test_required_anti_affinity_keeps_a_pod_pending_until_a_node_frees(ns):
    svc, sts = redis_statefulset("aa", replicas=3, policy="Parallel")
    sts["spec"]["template"]["spec"]["affinity"] = {
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [_term("aa")]}}
    apply(ns, svc, sts)
    ready = wait_for("3 ready pods", lambda: len(ready_pods(ns, "app=aa")) == 3 and ready_pods(ns, "app=aa"))
    assert len({p["spec"]["nodeName"] for p in ready.values()}) == 3
    extra = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "extra", "labels": {"app": "aa"}},
             "spec": {"terminationGracePeriodSeconds": 1,
                      "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                          {"labelSelector": {"matchLabels": {"app": "aa"}}, "topologyKey": HOST}]}},
                      "containers": [{"name": "redis", "image": "redis:7"}]}}
    apply(ns, extra)
    pending = wait_for("extra Unschedulable", lambda: (p := get(ns, "pod", "extra"))
                       and _scheduled_condition(p).get("reason") == "Unschedulable" and p)
    assert pending["status"]["phase"] == "Pending" and not pending["spec"].get("nodeName")
    cond = _scheduled_condition(pending)
    assert cond["status"] == "False" and cond["message"] == FULL, cond
    events = wait_for("a FailedScheduling Event", lambda: [
        e for e in get(ns, "events")["items"]
        if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == "extra"])
    assert events[0]["type"] == "Warning" and events[0]["message"] == FULL, events
    assert events[0]["source"]["component"] == "default-scheduler"
    assert "Pending" in kubectl("-n", ns, "get", "pod", "extra").stdout
    # A pod going away frees its node: the pending pod is placed there (retried) and runs.
    node = ready["aa-2"]["spec"]["nodeName"]
    kubectl("-n", ns, "scale", "sts", "aa", "--replicas=2")
    placed = wait_for("extra placed on the freed node", lambda: (p := get(ns, "pod", "extra"))
                      and p["spec"].get("nodeName") and p, timeout=90)
    assert placed["spec"]["nodeName"] == node
    wait_for("extra running", lambda: "extra" in ready_pods(ns, "app=aa"))
    assert len([e for e in get(ns, "events")["items"]
                if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == "extra"]) == 1
