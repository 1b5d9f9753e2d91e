"""Issue 7, test 8: with the webhook unavailable (its Deployment scaled to 0), a labelled
StatefulSet is refused with a clear message (failurePolicy: Fail), unlabelled objects are
unaffected; the webhook back, the same StatefulSet is accepted."""
import json

import kube
from conftest import WEBHOOK_NS

NS = "webhook-down"


def statefulset(name, labelled):
    labels = {"redis-cluster": "managed"} if labelled else {}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": NS, "labels": labels},
            "spec": {"replicas": 6 if labelled else 0, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "redis", "image": kube.REDIS_IMAGE}]}}}}


def webhook_pods():
    return kube.pods(WEBHOOK_NS, "app.kubernetes.io/name=redis-cluster-webhook")


def test_labelled_statefulset_refused_while_webhook_is_down(install):
    kube.kubectl("create", "namespace", NS)
    kube.kubectl("-n", WEBHOOK_NS, "scale", "deployment/redis-cluster-webhook", "--replicas=0")
    try:
        kube.wait_for("webhook pods gone", lambda: not webhook_pods(), timeout=120)
        p = kube.kubectl("apply", "-f", "-", input=json.dumps(statefulset("managed", True)), check=False)
        assert p.returncode != 0, f"a labelled StatefulSet was accepted without the webhook:\n{p.stdout}"
        print(p.stderr)
        assert 'failed calling webhook "statefulsets.redis-cluster.io"' in p.stderr, p.stderr
        assert "redis-cluster-webhook.redis-cluster-system.svc" in p.stderr, p.stderr
        assert kube.get_json(NS, "statefulset", "managed") is None

        kube.kubectl("apply", "-f", "-", input=json.dumps(statefulset("unmanaged", False)))
        kube.kubectl("-n", NS, "create", "configmap", "unaffected", "--from-literal=a=b")
        assert kube.get_json(NS, "statefulset", "unmanaged") is not None
    finally:
        kube.kubectl("-n", WEBHOOK_NS, "scale", "deployment/redis-cluster-webhook", "--replicas=2")
    kube.kubectl("-n", WEBHOOK_NS, "rollout", "status", "deployment/redis-cluster-webhook",
                 "--timeout=120s", timeout=150)
    # Admitted (and mutated) again; a server-side dry run, so no pods start.
    p = kube.wait_for("the webhook to admit the labelled StatefulSet again", lambda: (lambda r: r.returncode == 0 and r)(
        kube.kubectl("create", "--dry-run=server", "-o", "json", "-f", "-",
                     input=json.dumps(statefulset("managed", True)), check=False)), timeout=60)
    stored = json.loads(p.stdout)
    assert any(c["name"] == "redis-cluster-agent" for c in stored["spec"]["template"]["spec"]["initContainers"])
    kube.kubectl("delete", "namespace", NS, "--wait=false", check=False)
