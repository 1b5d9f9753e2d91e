"""Where a pod goes, as kube-scheduler decides it for what kubesim models: filters (a cordoned node,
required pod anti-affinity in both directions) then a score (pods matching the pod's anti-affinity
selectors, required or preferred, then the fewest pods, then the name). Pure: the kubelet passes
the pods, the nodes and the namespaces' labels, and writes the outcome."""
from . import selectors

UNSCHEDULABLE = "node(s) were unschedulable"
ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"


def _anti_affinity(pod):
    return ((pod.get("spec") or {}).get("affinity") or {}).get("podAntiAffinity") or {}


def required_terms(pod):
    return list(_anti_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution") or [])


def preferred_terms(pod):
    return [t.get("podAffinityTerm") or {} for t in
            _anti_affinity(pod).get("preferredDuringSchedulingIgnoredDuringExecution") or []]


def _term_selects(term, owner, other, ns_labels):
    """Whether an anti-affinity term of pod `owner` selects pod `other` (its labelSelector and
    namespaces: the owner's own by default, `namespaces`, or a namespaceSelector)."""
    reqs = selectors.from_label_selector(term.get("labelSelector"))
    if not selectors.matches(reqs, (other.get("metadata") or {}).get("labels")):
        return False
    other_ns = other["metadata"].get("namespace")
    names = term.get("namespaces") or []
    ns_sel = term.get("namespaceSelector")
    if ns_sel is not None:
        return other_ns in names or selectors.matches(selectors.from_label_selector(ns_sel),
                                                      ns_labels.get(other_ns) or {})
    return other_ns in names if names else other_ns == owner["metadata"].get("namespace")


def _domain(node, key):
    return ((node.get("metadata") or {}).get("labels") or {}).get(key)


def _counts(pod):
    """Assigned pods hold their node until they are deleted (terminating ones too), as in the
    scheduler's cache; finished pods do not."""
    return bool(pod["spec"].get("nodeName")) and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def _failure(pod, node, nodes_by_name, placed, ns_labels):
    """Why `node` does not fit `pod` (the first failing filter), or None when it fits."""
    if (node.get("spec") or {}).get("unschedulable"):
        return UNSCHEDULABLE
    for term in required_terms(pod):
        key = term.get("topologyKey") or ""
        here = _domain(node, key)
        if here is None:
            continue
        for other in placed:
            there = nodes_by_name.get(other["spec"]["nodeName"])
            if there is not None and _domain(there, key) == here and _term_selects(term, pod, other, ns_labels):
                return ANTI_AFFINITY
    for other in placed:
        there = nodes_by_name.get(other["spec"]["nodeName"])
        for term in required_terms(other):
            key = term.get("topologyKey") or ""
            if there is not None and _domain(there, key) is not None and \
                    _domain(there, key) == _domain(node, key) and _term_selects(term, other, pod, ns_labels):
                return EXISTING_ANTI_AFFINITY
    return None


def schedule(pod, pods, nodes, ns_labels=None):
    """(node name, "") where `pod` goes, or (None, message) as kube-scheduler words it:
    "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules." """
    ns_labels = ns_labels or {}
    uid = pod["metadata"].get("uid")
    placed = [p for p in pods if _counts(p) and p["metadata"].get("uid") != uid]
    nodes_by_name = {n["metadata"]["name"]: n for n in nodes}
    fits, why = [], {}
    for n in nodes:
        reason = _failure(pod, n, nodes_by_name, placed, ns_labels)
        if reason is None:
            fits.append(n["metadata"]["name"])
        else:
            why[reason] = why.get(reason, 0) + 1
    if not fits:
        detail = ", ".join(f"{count} {reason}" for reason, count in sorted(why.items()))
        return None, f"0/{len(nodes)} nodes are available" + (f": {detail}." if detail else ".")
    reqs = [selectors.from_label_selector(t.get("labelSelector"))
            for t in required_terms(pod) + preferred_terms(pod) if t.get("labelSelector")]

    def score(name):
        on = [p for p in placed if p["spec"]["nodeName"] == name and not p["metadata"].get("deletionTimestamp")]
        clash = sum(1 for p in on for r in reqs if selectors.matches(r, p["metadata"].get("labels")))
        return (clash, len(on), name)
    return min(fits, key=score), ""
