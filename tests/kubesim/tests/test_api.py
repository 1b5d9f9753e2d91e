"""API surface details that kubectl and the agent rely on."""
import json

from support import apply, get, kubectl


def test_events_are_visible_through_both_event_apis(ns):
    ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "agent.1"},
          "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "redis-cluster-agent",
          "reportingInstance": "redis-0", "action": "Rebalance", "reason": "Rebalanced", "type": "Normal",
          "note": "moved 100 slots", "regarding": {"kind": "Pod", "name": "redis-0", "namespace": ns}}
    apply(ns, ev)
    core = get(ns, "events.v1.", "agent.1") or json.loads(
        kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/events/agent.1").stdout)
    assert core["message"] == "moved 100 slots" and core["involvedObject"]["name"] == "redis-0"
    assert "moved 100 slots" in kubectl("-n", ns, "get", "events").stdout


def test_scale_subresource_and_discovery(ns):
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
           "spec": {"replicas": 0, "serviceName": "s", "selector": {"matchLabels": {"a": "s"}},
                    "template": {"metadata": {"labels": {"a": "s"}},
                                 "spec": {"containers": [{"name": "c", "image": "redis:7"}]}}}}
    apply(ns, sts)
    scale = json.loads(kubectl("get", "--raw", f"/apis/apps/v1/namespaces/{ns}/statefulsets/s/scale").stdout)
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 0 and scale["status"]["selector"] == "a=s"
    resources = kubectl("api-resources", "--no-headers").stdout
    for kind in ("MutatingWebhookConfiguration", "Lease", "PodDisruptionBudget", "StatefulSet", "ClusterRoleBinding"):
        assert kind in resources
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "leader"},
             "spec": {"holderIdentity": "redis-0", "leaseDurationSeconds": 15}}
    apply(ns, lease)
    cur = get(ns, "lease", "leader")
    cur["spec"]["holderIdentity"] = "redis-1"
    stale = json.loads(json.dumps(cur))
    kubectl("-n", ns, "replace", "-f", "-", input=json.dumps(cur))
    stale["spec"]["holderIdentity"] = "redis-2"
    p = kubectl("-n", ns, "replace", "-f", "-", input=json.dumps(stale), check=False)
    assert p.returncode != 0 and "the object has been modified" in p.stderr
