"""StatefulSet controller: ordinal pods, OrderedReady/Parallel, rolling update, PVC per ordinal."""
import re

from .. import errors, resources
from ..podworker import pod_ready
from . import Loop
from .common import POD, owned_pods, pod_from_template, template_hash

STS = resources.find("apps", "v1", "statefulsets")
PVC = resources.find("", "v1", "persistentvolumeclaims")


def _ordinal(sts, pod):
    m = re.match(re.escape(sts["metadata"]["name"]) + r"-(\d+)$", pod["metadata"]["name"])
    return int(m.group(1)) if m else None


class StatefulSetController(Loop):
    name = "statefulset-controller"

    def reconcile(self):
        for sts in self.store.list(STS)[0]:
            self._sync(sts)

    def _revision(self, sts):
        return f"{sts['metadata']['name']}-{template_hash(sts['spec'].get('template'))}"

    def _make_pod(self, sts, ordinal, revision):
        name = f"{sts['metadata']['name']}-{ordinal}"
        pod = pod_from_template(sts, name, {"statefulset.kubernetes.io/pod-name": name,
                                            "apps.kubernetes.io/pod-index": str(ordinal),
                                            "controller-revision-hash": revision})
        pod["spec"]["hostname"] = name
        if sts["spec"].get("serviceName"):
            pod["spec"]["subdomain"] = sts["spec"]["serviceName"]
        vols = pod["spec"].setdefault("volumes", [])
        for t in sts["spec"].get("volumeClaimTemplates") or []:
            claim = f"{t['metadata']['name']}-{name}"
            self._ensure_pvc(sts, t, claim)
            vols[:] = [v for v in vols if v["name"] != t["metadata"]["name"]]
            vols.append({"name": t["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim}})
        try:
            self.registry.create(POD, sts["metadata"]["namespace"], pod)
            self.registry.record_event(sts, "SuccessfulCreate",
                                       f"create Pod {name} in StatefulSet {sts['metadata']['name']} successful",
                                       component="statefulset-controller")
        except errors.ApiError as e:
            if e.code != 409:
                self.registry.record_event(sts, "FailedCreate", f"create Pod {name} in StatefulSet "
                                           f"{sts['metadata']['name']} failed error: {e.message}", "Warning",
                                           "statefulset-controller")

    def _ensure_pvc(self, sts, template, claim):
        ns = sts["metadata"]["namespace"]
        if self.store.get_or_none(PVC, ns, claim):
            return
        pvc = {"metadata": {"name": claim, "namespace": ns,
                            "labels": dict((sts["spec"].get("selector") or {}).get("matchLabels") or {})},
               "spec": template.get("spec") or {}, "status": {"phase": "Bound"}}
        try:
            pvc = self.store.create(PVC, pvc)
            pvc["status"] = {"phase": "Bound", "accessModes": (template.get("spec") or {}).get("accessModes", []),
                             "capacity": ((template.get("spec") or {}).get("resources") or {}).get("requests", {})}
            self.store.update(PVC, pvc, check_rv=False, status_only=True)
        except errors.ApiError:
            pass

    def _delete(self, sts, pod):
        try:
            self.registry.delete(POD, pod["metadata"]["namespace"], pod["metadata"]["name"])
            self.registry.record_event(sts, "SuccessfulDelete", f"delete Pod {pod['metadata']['name']} in "
                                       f"StatefulSet {sts['metadata']['name']} successful",
                                       component="statefulset-controller")
        except errors.ApiError:
            pass

    def _sync(self, sts):
        spec = sts["spec"]
        replicas = spec.get("replicas", 1)
        revision = self._revision(sts)
        parallel = spec.get("podManagementPolicy") == "Parallel"
        pods = {}
        for p in owned_pods(self.store, sts):
            o = _ordinal(sts, p)
            if o is not None:
                pods[o] = p
        terminating = [p for p in pods.values() if p["metadata"].get("deletionTimestamp")]

        # Scale up / recreate missing pods.
        for o in range(replicas):
            if o in pods:
                continue
            if not parallel:
                lower = [pods.get(i) for i in range(o)]
                if any(p is None or not pod_ready(p) for p in lower) or terminating:
                    break
            self._make_pod(sts, o, revision)
            pods[o] = None
            if not parallel:
                break
        # Scale down: highest ordinal first (Parallel: all at once).
        extra = sorted((o for o in pods if o >= replicas and pods[o] is not None), reverse=True)
        if extra:
            if parallel:
                for o in extra:
                    if not pods[o]["metadata"].get("deletionTimestamp"):
                        self._delete(sts, pods[o])
            elif not terminating and all(p is not None and pod_ready(p) for o, p in pods.items() if o < extra[0]):
                self._delete(sts, pods[extra[0]])
        # Rolling update: highest ordinal first, one at a time, when everything else is ready.
        strategy = spec.get("updateStrategy") or {}
        partition = ((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        live = {o: p for o, p in pods.items() if p is not None and o < replicas}
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and not extra and not terminating \
                and len(live) == replicas and all(pod_ready(p) for p in live.values()):
            stale = sorted((o for o, p in live.items()
                            if o >= partition and p["metadata"].get("labels", {}).get("controller-revision-hash") != revision),
                           reverse=True)
            if stale:
                self._delete(sts, live[stale[0]])
        self._update_status(sts, revision)

    def _update_status(self, sts, revision):
        pods = [p for p in owned_pods(self.store, sts) if _ordinal(sts, p) is not None]
        current = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        updated = [p for p in current if p["metadata"].get("labels", {}).get("controller-revision-hash") == revision]
        ready = [p for p in current if pod_ready(p)]
        old = sts.get("status") or {}
        replicas = sts["spec"].get("replicas", 1)
        current_rev = old.get("currentRevision") or revision
        if len(updated) == replicas == len(current) and len(ready) == replicas:
            current_rev = revision
        at_current = [p for p in current if p["metadata"].get("labels", {}).get("controller-revision-hash") == current_rev]
        st = {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(current),
              "readyReplicas": len(ready), "availableReplicas": len(ready), "currentReplicas": len(at_current),
              "updatedReplicas": len(updated), "currentRevision": current_rev, "updateRevision": revision,
              "collisionCount": 0}
        if st != old:
            sts["status"] = st
            try:
                self.store.update(STS, sts, check_rv=False, status_only=True)
            except errors.ApiError:
                pass
