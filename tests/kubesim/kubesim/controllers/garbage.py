"""Garbage collector: deletes pods whose controller owner is gone (background cascading delete)."""
from .. import errors, resources
from . import Loop
from .common import POD

OWNER_KINDS = {("apps/v1", "StatefulSet"): resources.find("apps", "v1", "statefulsets"),
               ("apps/v1", "Deployment"): resources.find("apps", "v1", "deployments")}


class GarbageCollector(Loop):
    name = "garbage-collector"

    def reconcile(self):
        for p in self.store.list(POD)[0]:
            if p["metadata"].get("deletionTimestamp"):
                continue
            for ref in p["metadata"].get("ownerReferences") or []:
                r = OWNER_KINDS.get((ref.get("apiVersion"), ref.get("kind")))
                if r is None:
                    continue
                owner = self.store.get_or_none(r, p["metadata"]["namespace"], ref["name"])
                if owner is None or owner["metadata"]["uid"] != ref.get("uid"):
                    try:
                        self.registry.delete(POD, p["metadata"]["namespace"], p["metadata"]["name"])
                    except errors.ApiError:
                        pass
