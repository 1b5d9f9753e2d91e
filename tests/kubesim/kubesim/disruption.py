"""PodDisruptionBudgets: status (for `kubectl get pdb`) and the pods/eviction check (`kubectl drain`)."""
import math

from . import errors, resources, selectors
from .podworker import pod_ready

POD = resources.find("", "v1", "pods")
PDB = resources.find("policy", "v1", "poddisruptionbudgets")


def _scaled(value, total, round_up):
    if isinstance(value, str) and value.endswith("%"):
        x = int(value[:-1]) * total / 100
        return math.ceil(x) if round_up else math.floor(x)
    return int(value)


def budget_status(store, pdb):
    """The PDB's status: expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed."""
    spec = pdb.get("spec") or {}
    reqs = selectors.from_label_selector(spec.get("selector") or {})
    pods = [p for p in store.list(POD, pdb["metadata"]["namespace"], label_reqs=reqs or [])[0]
            if not p["metadata"].get("deletionTimestamp")]
    expected, healthy = len(pods), sum(1 for p in pods if pod_ready(p))
    if spec.get("minAvailable") is not None:
        desired = _scaled(spec["minAvailable"], expected, round_up=True)
    elif spec.get("maxUnavailable") is not None:
        desired = expected - _scaled(spec["maxUnavailable"], expected, round_up=True)
    else:
        desired = expected
    return {"observedGeneration": pdb["metadata"].get("generation", 1), "expectedPods": expected,
            "currentHealthy": healthy, "desiredHealthy": max(0, desired),
            "disruptionsAllowed": max(0, healthy - max(0, desired))}


def check_eviction(store, pod):
    """Raises 429 when evicting this (healthy) pod would break a PodDisruptionBudget."""
    if not pod_ready(pod):
        return  # evicting an unhealthy pod never reduces the healthy count
    for pdb in store.list(PDB, pod["metadata"]["namespace"])[0]:
        reqs = selectors.from_label_selector((pdb.get("spec") or {}).get("selector") or {})
        if reqs and selectors.matches(reqs, pod["metadata"].get("labels")):
            if budget_status(store, pdb)["disruptionsAllowed"] <= 0:
                raise errors.ApiError(429, "TooManyRequests",
                                      "Cannot evict pod as it would violate the pod's disruption budget.",
                                      {"causes": [{"reason": "DisruptionBudget", "message":
                                                   f"The disruption budget {pdb['metadata']['name']} needs "
                                                   f"{budget_status(store, pdb)['desiredHealthy']} healthy pods"}]})
