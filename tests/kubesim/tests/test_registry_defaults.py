"""The registry defaults what a mutating webhook added, as the API server does, so a later
metadata-only PATCH (the agent's redis-cluster.io/status annotation) leaves a StatefulSet's
template, and so its pods, alone."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from kubesim import registry as registry_mod, resources, store as store_mod  # noqa: E402
from kubesim.controllers.common import template_hash  # noqa: E402

STS = resources.find("apps", "v1", "statefulsets")


def _inject_sidecar(r, op, obj, old, sub):
    spec = obj["spec"]["template"]["spec"]
    if not any(c["name"] == "agent" for c in spec.get("initContainers") or []):
        spec.setdefault("initContainers", []).append(
            {"name": "agent", "image": "agent:1", "ports": [{"containerPort": 8479}]})
    return obj, []


def test_a_metadata_patch_keeps_the_template_a_webhook_extended():
    store = store_mod.Store()
    store.create(resources.find("", "v1", "namespaces"), {"metadata": {"name": "default"}})
    reg = registry_mod.Registry(store, _inject_sidecar)
    created, _ = reg.create(STS, "default", {
        "metadata": {"name": "redis"},
        "spec": {"selector": {"matchLabels": {"app": "redis"}},
                 "template": {"metadata": {"labels": {"app": "redis"}},
                              "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}}}})
    agent = created["spec"]["template"]["spec"]["initContainers"][0]
    assert agent["imagePullPolicy"] == "IfNotPresent" and agent["ports"][0]["protocol"] == "TCP"
    before = template_hash(created["spec"]["template"])
    patch = {"metadata": {"annotations": {"redis-cluster.io/status": "balanced=yes"}}}
    patched, _ = reg.patch(STS, "default", "redis", "application/merge-patch+json",
                           json.dumps(patch).encode())
    assert patched["metadata"]["annotations"]["redis-cluster.io/status"] == "balanced=yes"
    assert template_hash(patched["spec"]["template"]) == before
