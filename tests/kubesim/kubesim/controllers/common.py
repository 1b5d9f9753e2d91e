"""Helpers shared by the controllers."""
import copy
import hashlib
import json

from .. import resources

POD = resources.find("", "v1", "pods")


def template_hash(template):
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


def owner_ref(owner):
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def owned_pods(store, owner):
    uid = owner["metadata"]["uid"]
    pods, _ = store.list(POD, owner["metadata"]["namespace"])
    return [p for p in pods if any(r.get("uid") == uid and r.get("controller")
                                   for r in p["metadata"].get("ownerReferences") or [])]


def pod_from_template(owner, name, extra_labels):
    tpl = copy.deepcopy(owner["spec"].get("template") or {})
    md = tpl.get("metadata") or {}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": owner["metadata"]["namespace"],
                         "labels": dict(md.get("labels") or {}, **extra_labels),
                         "annotations": dict(md.get("annotations") or {}),
                         "ownerReferences": [owner_ref(owner)]},
            "spec": tpl.get("spec") or {}}
