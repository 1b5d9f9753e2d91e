"""The API semantics on top of the store: defaults, admission, patches, scale, graceful delete."""
import copy
import json
import threading
import uuid

from . import defaults, errors, jsonpatch, resources, selectors
from .store import now_rfc3339

POD = resources.find("", "v1", "pods")
NAMESPACE = resources.find("", "v1", "namespaces")
EVENT = resources.find("", "v1", "events")


class Registry:
    """create/update/patch/delete as the HTTP layer and the controllers call them.

    admission(resource, operation, obj, old, subresource) -> (obj, warnings) mutates or raises;
    on_pod_delete(pod) tells the kubelet a pod is being deleted gracefully, or that a later delete
    lowered its deletionGracePeriodSeconds (returns False when no kubelet runs it, so it is
    removed at once)."""

    def __init__(self, store, admission=None):
        self.store = store
        self.admission = admission or (lambda r, op, obj, old, sub: (obj, []))
        self.on_pod_delete = lambda pod: False
        self._ip_lock = threading.Lock()
        self._next_cluster_ip = 10

    # -- writes ----------------------------------------------------------
    def create(self, r, ns, obj, dry_run=False):
        if not isinstance(obj, dict):
            raise errors.bad_request("the body of the request was not a JSON object")
        obj = copy.deepcopy(obj)
        md = obj.setdefault("metadata", {})
        if r.namespaced:
            if md.get("namespace") and ns and md["namespace"] != ns:
                raise errors.bad_request("the namespace of the provided object does not match the "
                                         "namespace sent on the request")
            md["namespace"] = ns or md.get("namespace") or "default"
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + uuid.uuid4().hex[:5]
        if r.kind not in ("Event", "Node", "PersistentVolumeClaim"):
            obj.pop("status", None)  # status is written through /status, not on create
        defaults.apply(r.kind, obj)
        if r.kind == "Service":
            self._assign_cluster_ip(obj)
        if r.kind == "Namespace":
            obj["status"] = {"phase": "Active"}
        obj, warnings = self.admission(r, "CREATE", obj, None, "")
        # As the API server does, the object a webhook patched is defaulted again: else fields
        # only a webhook added stay undefaulted until the next UPDATE defaults them, which
        # changes a StatefulSet's template and rolls its pods on a metadata-only PATCH.
        defaults.apply(r.kind, obj)
        if dry_run:
            return obj, warnings
        return self.store.create(r, obj), warnings

    def update(self, r, ns, name, obj, sub="", check_rv=True, dry_run=False):
        old = self.store.get(r, ns, name)
        if dry_run:  # what the update would store, without storing it (kubectl diff)
            if sub:
                return (self.scale_of(r, old) if sub == "scale" else old), []
            obj = copy.deepcopy(obj)
            obj["metadata"] = dict(obj.get("metadata") or {}, name=name)
            if r.namespaced:
                obj["metadata"]["namespace"] = old["metadata"].get("namespace")
            obj["status"] = old.get("status")
            defaults.apply(r.kind, obj)
            obj, warnings = self.admission(r, "UPDATE", obj, old, "")
            defaults.apply(r.kind, obj)
            return obj, warnings
        if sub == "scale":
            return self._update_scale(r, old, obj)
        obj = copy.deepcopy(obj)
        obj.setdefault("metadata", {})
        obj["metadata"]["name"], obj["metadata"]["namespace"] = name, old["metadata"].get("namespace")
        if not obj["metadata"].get("namespace"):
            obj["metadata"].pop("namespace")
        warnings = []
        if sub == "status":
            new = self.store.update(r, obj, check_rv=check_rv, status_only=True)
            return new, warnings
        if "status" in old:
            obj["status"] = old["status"]
        defaults.apply(r.kind, obj)
        obj, warnings = self.admission(r, "UPDATE", obj, old, "")
        defaults.apply(r.kind, obj)
        return self.store.update(r, obj, check_rv=check_rv), warnings

    def patch(self, r, ns, name, content_type, body, sub="", dry_run=False):
        """Applies the patch to the stored object atomically, as the API server does: a write that
        lands between the read and the store (admission webhooks take a while) makes it read and
        patch again, so a PATCH never undoes another client's change (e.g. a scale)."""
        try:
            patch = json.loads(body or b"null")
        except ValueError as e:
            raise errors.bad_request(f"invalid patch body: {e}")
        ctype = (content_type or "").split(";")[0].strip()
        if ctype == "application/apply-patch+yaml":
            raise errors.ApiError(415, "UnsupportedMediaType", "server-side apply is not supported by kubesim")
        if ctype not in ("application/json-patch+json", "application/merge-patch+json",
                         "application/strategic-merge-patch+json"):
            raise errors.ApiError(415, "UnsupportedMediaType", f"unsupported patch type {ctype!r}")
        pinned = (patch.get("metadata") or {}).get("resourceVersion") if isinstance(patch, dict) else None
        for attempt in range(10):
            old = self.store.get(r, ns, name)
            base = self.scale_of(r, old) if sub == "scale" else old
            if ctype == "application/json-patch+json":
                new = jsonpatch.apply_json_patch(base, patch)
            elif ctype == "application/merge-patch+json":
                new = jsonpatch.apply_merge_patch(base, patch)
            else:
                new = jsonpatch.apply_strategic_merge_patch(base, patch)
            if not isinstance(new, dict):
                raise errors.bad_request("patch result is not an object")
            # The client's own resourceVersion, if it sent one; else the one it was applied to.
            new.setdefault("metadata", {})["resourceVersion"] = pinned or old["metadata"]["resourceVersion"]
            try:
                return self.update(r, ns, name, new, sub=sub, dry_run=dry_run)
            except errors.ApiError as e:
                if e.code != 409 or pinned or attempt == 9:
                    raise
        raise AssertionError("unreachable")

    def delete(self, r, ns, name, grace=None, dry_run=False):
        if dry_run:
            return self.store.get(r, ns, name)
        if r is POD:
            pod = self.store.get(r, ns, name)
            if grace is None:
                grace = pod.get("spec", {}).get("terminationGracePeriodSeconds", 30)
            pod = self.store.mark_deleting(r, ns, name, grace)
            if self.on_pod_delete(pod) and grace > 0:
                return pod  # the kubelet removes it once terminated
            # grace 0 (--force): gone from the API at once; the kubelet still kills the processes
            try:
                return self.store.delete(r, ns, name)
            except errors.ApiError:
                return pod
        obj = self.store.delete(r, ns, name)
        if r is NAMESPACE:
            self._delete_namespace_contents(name)
        return obj

    def delete_collection(self, r, ns, label_selector, field_selector=None):
        objs, _ = self.store.list(r, ns, label_selector, field_selector)
        for o in objs:
            try:
                self.delete(r, o["metadata"].get("namespace"), o["metadata"]["name"])
            except errors.ApiError:
                pass
        return objs

    def _delete_namespace_contents(self, ns):
        for r in resources.RESOURCES:
            if r.namespaced:
                for o in self.store.list(r, ns)[0]:
                    try:
                        self.delete(r, ns, o["metadata"]["name"])
                    except errors.ApiError:
                        pass

    # -- scale subresource -----------------------------------------------
    def scale_of(self, r, obj):
        if r.kind not in ("StatefulSet", "Deployment"):
            raise errors.not_found(r, obj["metadata"]["name"])
        md = obj["metadata"]
        sel = (obj.get("spec", {}).get("selector") or {}).get("matchLabels") or {}
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                "creationTimestamp") if k in md},
                "spec": {"replicas": obj.get("spec", {}).get("replicas", 1)},
                "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                           "selector": ",".join(f"{k}={v}" for k, v in sel.items())}}

    def _update_scale(self, r, old, scale):
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.invalid(r, old["metadata"]["name"], "spec.replicas: must be a non-negative integer")
        rv = (scale.get("metadata") or {}).get("resourceVersion")
        for attempt in range(10):
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise errors.conflict(r, old["metadata"]["name"])
            old["spec"]["replicas"] = replicas
            try:  # a write since `old` was read: read it again, never undo that write
                new = self.store.update(r, old)
                return self.scale_of(r, new), []
            except errors.ApiError as e:
                if e.code != 409 or attempt == 9:
                    raise
                old = self.store.get(r, old["metadata"].get("namespace"), old["metadata"]["name"])
        raise AssertionError("unreachable")

    # -- helpers for controllers --------------------------------------------
    def _assign_cluster_ip(self, svc):
        spec = svc["spec"]
        if spec.get("clusterIP") in (None, ""):
            with self._ip_lock:
                n = self._next_cluster_ip
                self._next_cluster_ip += 1
            spec["clusterIP"] = f"10.96.{n // 256}.{n % 256}"
        spec["clusterIPs"] = [spec["clusterIP"]]

    def record_event(self, obj, reason, message, type_="Normal", component="kubesim"):
        md = obj["metadata"]
        ns = md.get("namespace") or "default"
        ev = {"metadata": {"generateName": f"{md['name']}.", "namespace": ns},
              "involvedObject": {"kind": obj.get("kind"), "apiVersion": obj.get("apiVersion"),
                                 "name": md["name"], "namespace": ns, "uid": md.get("uid")},
              "reason": reason, "message": message, "type": type_, "count": 1,
              "source": {"component": component}, "firstTimestamp": now_rfc3339(),
              "lastTimestamp": now_rfc3339(), "reportingComponent": component}
        try:
            self.store.create(EVENT, ev)
        except errors.ApiError:
            pass

    def pods_matching(self, ns, label_selector_obj):
        reqs = selectors.from_label_selector(label_selector_obj)
        return self.store.list(POD, ns, label_reqs=reqs or [])[0] if reqs is not None else []
