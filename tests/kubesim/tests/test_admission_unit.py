"""Admission decisions without a network: matching, reinvocation, failure policies."""
import base64
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from kubesim import errors, resources, store as store_mod  # noqa: E402
from kubesim.admission import MWC, Admission, WebhookCallError  # noqa: E402

STS = resources.find("apps", "v1", "statefulsets")
SCALE_SUB = "scale"


def _hook(name, **kw):
    w = {"name": name, "failurePolicy": "Fail", "reinvocationPolicy": "Never", "objectSelector": {},
         "namespaceSelector": {}, "clientConfig": {"url": f"https://{name}.test/mutate"},
         "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["apps"], "apiVersions": ["v1"],
                    "resources": ["statefulsets"]}]}
    w.update(kw)
    return w


def _admission(hooks, replies):
    """replies: webhook name -> function(review) -> response dict (or raises WebhookCallError)."""
    store = store_mod.Store()
    store.create(resources.find("", "v1", "namespaces"), {"metadata": {"name": "default", "labels": {"team": "a"}}})
    store.create(MWC, {"metadata": {"name": "cfg"}, "webhooks": hooks})
    adm = Admission(store)
    calls = []

    def post(w, review):
        calls.append(w["name"])
        resp = replies[w["name"]](review)
        return dict(resp, uid=review["request"]["uid"])
    adm._post = post
    return adm, calls


def _patch(ops):
    return {"allowed": True, "patchType": "JSONPatch", "patch": base64.b64encode(json.dumps(ops).encode()).decode()}


def _sts(labels=None):
    return {"metadata": {"name": "r", "namespace": "default", "labels": labels or {}}, "spec": {"replicas": 1}}


def test_object_and_namespace_selectors_and_subresources():
    adm, calls = _admission([_hook("a", objectSelector={"matchLabels": {"redis-cluster": "managed"}}),
                             _hook("b", namespaceSelector={"matchLabels": {"team": "b"}})],
                            {"a": lambda r: {"allowed": True}, "b": lambda r: {"allowed": True}})
    adm.mutate(STS, "CREATE", _sts(), None, "")
    assert calls == []
    adm.mutate(STS, "CREATE", _sts({"redis-cluster": "managed"}), None, "")
    assert calls == ["a"]
    adm.mutate(STS, "UPDATE", _sts({"redis-cluster": "managed"}), _sts({"redis-cluster": "managed"}), SCALE_SUB)
    assert calls == ["a"]  # "statefulsets" does not match statefulsets/scale


def test_patch_warnings_and_reinvocation_if_needed():
    adm, calls = _admission(
        [_hook("first", reinvocationPolicy="IfNeeded"), _hook("second")],
        {"first": lambda r: dict(_patch([{"op": "add", "path": "/metadata/labels/first",
                                          "value": str(len(r["request"]["object"]["metadata"]["labels"]))}]),
                                 warnings=["from first"]),
         "second": lambda r: _patch([{"op": "add", "path": "/metadata/labels/second", "value": "x"}])})
    obj, warnings = adm.mutate(STS, "CREATE", _sts(), None, "")
    assert calls == ["first", "second", "first"]
    assert obj["metadata"]["labels"] == {"first": "2", "second": "x"}
    assert warnings == ["from first", "from first"]


def test_denial_and_failure_policies():
    def down(review):
        raise WebhookCallError('failed to call webhook: Post "https://x.test/mutate": connection refused')
    adm, _ = _admission([_hook("deny")], {"deny": lambda r: {"allowed": False, "status": {"message": "no way"}}})
    with pytest.raises(errors.ApiError) as e:
        adm.mutate(STS, "CREATE", _sts(), None, "")
    assert e.value.code == 400 and e.value.message == 'admission webhook "deny" denied the request: no way'
    adm, _ = _admission([_hook("down")], {"down": down})
    with pytest.raises(errors.ApiError) as e:
        adm.mutate(STS, "CREATE", _sts(), None, "")
    assert e.value.code == 500
    assert e.value.message.startswith('Internal error occurred: failed calling webhook "down": failed to call webhook')
    adm, _ = _admission([_hook("lax", failurePolicy="Ignore")], {"lax": down})
    obj, _ = adm.mutate(STS, "CREATE", _sts(), None, "")
    assert obj == _sts()
