"""Deployment controller: pods NAME-HASH-xxxxx managed directly (no ReplicaSet objects); on a
template change new pods are created and old ones deleted once the new ones are ready."""
import random

from .. import errors, resources
from ..podworker import pod_ready
from . import Loop
from .common import POD, owned_pods, pod_from_template, template_hash

DEPLOY = resources.find("apps", "v1", "deployments")
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class DeploymentController(Loop):
    name = "deployment-controller"

    def reconcile(self):
        for d in self.store.list(DEPLOY)[0]:
            self._sync(d)

    def _sync(self, d):
        replicas = d["spec"].get("replicas", 1)
        h = template_hash(d["spec"].get("template"))
        pods = [p for p in owned_pods(self.store, d) if not p["metadata"].get("deletionTimestamp")]
        new = [p for p in pods if p["metadata"].get("labels", {}).get("pod-template-hash") == h]
        old = [p for p in pods if p not in new]
        for _ in range(replicas - len(new)):
            name = f"{d['metadata']['name']}-{h}-" + "".join(random.choice(_ALPHABET) for _ in range(5))
            try:
                self.registry.create(POD, d["metadata"]["namespace"], pod_from_template(d, name, {"pod-template-hash": h}))
            except errors.ApiError as e:
                self.registry.record_event(d, "FailedCreate", f"Error creating: {e.message}", "Warning",
                                           "deployment-controller")
        for p in sorted(new, key=lambda p: (pod_ready(p), p["metadata"]["creationTimestamp"]))[:max(0, len(new) - replicas)]:
            self._delete(p)
        ready_new = [p for p in new if pod_ready(p)]
        strategy = (d["spec"].get("strategy") or {}).get("type", "RollingUpdate")
        if old and (strategy == "Recreate" or len(ready_new) >= min(replicas, len(new))):
            for p in old:
                self._delete(p)
        self._update_status(d, h)

    def _delete(self, p):
        try:
            self.registry.delete(POD, p["metadata"]["namespace"], p["metadata"]["name"])
        except errors.ApiError:
            pass

    def _update_status(self, d, h):
        pods = owned_pods(self.store, d)
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        updated = [p for p in live if p["metadata"].get("labels", {}).get("pod-template-hash") == h]
        ready = [p for p in live if pod_ready(p)]
        replicas = d["spec"].get("replicas", 1)
        available = len([p for p in updated if pod_ready(p)])
        old = d.get("status") or {}

        def cond(t, ok, reason, msg):
            prev = next((c for c in old.get("conditions") or [] if c["type"] == t), {})
            status = "True" if ok else "False"
            ts = prev.get("lastTransitionTime") if prev.get("status") == status else None
            from ..store import now_rfc3339
            return {"type": t, "status": status, "reason": reason, "message": msg,
                    "lastUpdateTime": prev.get("lastUpdateTime") if ts else now_rfc3339(),
                    "lastTransitionTime": ts or now_rfc3339()}
        complete = len(updated) == replicas and available >= replicas and len(live) == replicas
        st = {"observedGeneration": d["metadata"].get("generation", 1), "replicas": len(live),
              "updatedReplicas": len(updated), "readyReplicas": len(ready), "availableReplicas": len(ready),
              "conditions": [cond("Available", len(ready) >= replicas, "MinimumReplicasAvailable" if len(ready) >= replicas
                                  else "MinimumReplicasUnavailable", "Deployment has minimum availability."),
                             cond("Progressing", True, "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                                  f'ReplicaSet "{d["metadata"]["name"]}-{h}" ' +
                                  ("has successfully progressed." if complete else "is progressing."))]}
        if len(live) > len(ready):
            st["unavailableReplicas"] = len(live) - len(ready)
        comparable = lambda s: {k: v for k, v in s.items() if k != "conditions"} | {
            "c": [(c["type"], c["status"], c["reason"]) for c in s.get("conditions") or []]}
        if comparable(st) != comparable(old):
            d["status"] = st
            try:
                self.store.update(DEPLOY, d, check_rv=False, status_only=True)
            except errors.ApiError:
                pass
