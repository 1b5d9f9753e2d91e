"""Endpoints controller: one Endpoints object per Service with a selector (ready and not-ready
addresses, target ports resolved). Informational: DNS and the webhook caller read pods directly."""
from .. import errors, resources, selectors
from ..podworker import pod_ready
from . import Loop
from .common import POD

SERVICE = resources.find("", "v1", "services")
ENDPOINTS = resources.find("", "v1", "endpoints")
MANAGED = "kubesim.io/managed-by"


class EndpointsController(Loop):
    name = "endpoints-controller"

    def reconcile(self):
        services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in self.store.list(SERVICE)[0]}
        for (ns, name), svc in services.items():
            if svc["spec"].get("selector"):
                self._sync(svc)
        for ep in self.store.list(ENDPOINTS)[0]:
            md = ep["metadata"]
            if (md.get("labels") or {}).get(MANAGED) and (md["namespace"], md["name"]) not in services:
                try:
                    self.store.delete(ENDPOINTS, md["namespace"], md["name"])
                except errors.ApiError:
                    pass

    def _sync(self, svc):
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        reqs = selectors.from_label_selector({"matchLabels": svc["spec"]["selector"]})
        pods = [p for p in self.store.list(POD, ns, label_reqs=reqs)[0]
                if p.get("status", {}).get("podIP") and not p["metadata"].get("deletionTimestamp")]
        publish = svc["spec"].get("publishNotReadyAddresses", False)
        ready, not_ready = [], []
        for p in sorted(pods, key=lambda p: p["metadata"]["name"]):
            addr = {"ip": p["status"]["podIP"], "nodeName": p["spec"].get("nodeName"),
                    "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": ns,
                                  "uid": p["metadata"]["uid"]}}
            if p["spec"].get("hostname") and p["spec"].get("subdomain") == name:
                addr["hostname"] = p["spec"]["hostname"]
            (ready if publish or pod_ready(p) else not_ready).append(addr)
        ports = []
        for sp in svc["spec"].get("ports") or []:
            target = sp.get("targetPort", sp.get("port"))
            if not isinstance(target, int) and not str(target).isdigit():
                target = next((cp["containerPort"] for p in pods for c in p["spec"].get("containers") or []
                               for cp in c.get("ports") or [] if cp.get("name") == target), None)
            if target is not None:
                ports.append({k: v for k, v in (("name", sp.get("name")), ("port", int(target)),
                                                ("protocol", sp.get("protocol", "TCP"))) if v is not None})
        subset = {k: v for k, v in (("addresses", ready), ("notReadyAddresses", not_ready), ("ports", ports)) if v}
        subsets = [subset] if ready or not_ready else []
        cur = self.store.get_or_none(ENDPOINTS, ns, name)
        if cur is None:
            try:
                self.store.create(ENDPOINTS, {"metadata": {"name": name, "namespace": ns, "labels": {MANAGED: "kubesim"}},
                                              "subsets": subsets})
            except errors.ApiError:
                pass
        elif cur.get("subsets") != subsets and (cur["metadata"].get("labels") or {}).get(MANAGED):
            cur["subsets"] = subsets
            try:
                self.store.update(ENDPOINTS, cur, check_rv=False)
            except errors.ApiError:
                pass
