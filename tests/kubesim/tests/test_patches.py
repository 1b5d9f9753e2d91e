"""Patch semantics (no cluster needed) and how kubectl apply uses them (with kubesim)."""
import json
import sys
import os

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from kubesim import jsonpatch, selectors  # noqa: E402
from support import get, kubectl, wait_for  # noqa: E402


def test_json_patch_operations():
    doc = {"a": {"b": [1, 2]}, "c": 1}
    out = jsonpatch.apply_json_patch(doc, [
        {"op": "add", "path": "/a/b/-", "value": 3}, {"op": "add", "path": "/a/b/0", "value": 0},
        {"op": "replace", "path": "/c", "value": 2}, {"op": "remove", "path": "/a/b/1"},
        {"op": "copy", "from": "/c", "path": "/d"}, {"op": "move", "from": "/d", "path": "/e~1f"},
        {"op": "test", "path": "/c", "value": 2}])
    assert out == {"a": {"b": [0, 2, 3]}, "c": 2, "e/f": 2}
    assert doc == {"a": {"b": [1, 2]}, "c": 1}


def test_strategic_merge_keeps_other_containers_and_deletes_by_key():
    live = {"spec": {"containers": [{"name": "redis", "image": "redis:7"}, {"name": "agent", "image": "agent:1"}],
                     "volumes": [{"name": "a", "emptyDir": {}}]}}
    patch = {"spec": {"$setElementOrder/containers": [{"name": "redis"}],
                      "containers": [{"name": "redis", "image": "redis:7.2"}],
                      "volumes": [{"name": "a", "$patch": "delete"}]}}
    out = jsonpatch.apply_strategic_merge_patch(live, patch)
    assert out["spec"]["containers"] == [{"name": "redis", "image": "redis:7.2"}, {"name": "agent", "image": "agent:1"}]
    assert out["spec"]["volumes"] == []
    assert jsonpatch.apply_merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": 3}}) == {"a": 1, "b": {"d": 3}}


def test_label_selectors():
    reqs = selectors.parse("app=redis,tier!=cache,env in (a, b),!legacy,owner")
    assert selectors.matches(reqs, {"app": "redis", "env": "a", "owner": "x"})
    assert not selectors.matches(reqs, {"app": "redis", "env": "c", "owner": "x"})
    assert not selectors.matches(reqs, {"app": "redis", "env": "a", "owner": "x", "legacy": "1"})


def test_apply_k_without_validate_false_and_reapply_keeps_injected_container(ns, tmp_path):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "app"}},
                    "template": {"metadata": {"labels": {"app": "app"}},
                                 "spec": {"terminationGracePeriodSeconds": 1,
                                          "containers": [{"name": "main", "image": "busybox",
                                                          "command": ["sh", "-c", "exec sleep 1000"]}]}}}}
    (tmp_path / "dep.yaml").write_text(yaml.safe_dump(dep))
    (tmp_path / "kustomization.yaml").write_text(f"namespace: {ns}\nresources:\n- dep.yaml\n")
    kubectl("apply", "-k", str(tmp_path))
    # Something (like a mutating webhook) adds a second container.
    kubectl("-n", ns, "patch", "deployment", "app", "--type=json", "-p", json.dumps(
        [{"op": "add", "path": "/spec/template/spec/containers/-",
          "value": {"name": "injected", "image": "busybox", "command": ["sh", "-c", "exec sleep 1000"]}}]))
    dep["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "X", "value": "1"}]
    (tmp_path / "dep.yaml").write_text(yaml.safe_dump(dep))
    kubectl("apply", "-k", str(tmp_path))
    containers = get(ns, "deployment", "app")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main", "injected"]
    assert containers[0]["env"] == [{"name": "X", "value": "1"}]
    kubectl("-n", ns, "rollout", "status", "deployment/app", "--timeout=30s", timeout=40)
    pods = wait_for("one pod with 2 containers", lambda: [p for p in get(ns, "pods", selector="app=app")["items"]
                                                         if len(p["spec"]["containers"]) == 2
                                                         and not p["metadata"].get("deletionTimestamp")])
    assert len(pods) == 1
