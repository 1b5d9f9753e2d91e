"""Server-side printing (meta.k8s.io/v1 Table) for `kubectl get`, for the kinds tests look at."""
import datetime


def _age(obj):
    ts = obj["metadata"].get("creationTimestamp")
    if not ts:
        return "<unknown>"
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    s = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    return f"{s // 3600}h"


def _pod_row(o):
    st = o.get("status", {})
    cs = st.get("containerStatuses") or []
    ready = sum(1 for c in cs if c.get("ready"))
    total = len(o.get("spec", {}).get("containers") or [])
    phase = st.get("phase", "Pending")
    inits = o.get("spec", {}).get("initContainers") or []
    init_cs = st.get("initContainerStatuses") or []
    init_done = any(c.get("type") == "Initialized" and c.get("status") == "True" for c in st.get("conditions") or [])
    if o["metadata"].get("deletionTimestamp"):
        phase = "Terminating"
    elif phase in ("Succeeded", "Failed") and cs:
        phase = "Completed" if phase == "Succeeded" else "Error"
    elif inits and not init_done:
        sidecars = {c["name"] for c in inits if c.get("restartPolicy") == "Always"}
        done = sum(1 for c in init_cs if (c.get("started") if c["name"] in sidecars else c.get("ready")))
        phase = f"Init:{done}/{len(inits)}"
        for c in init_cs:
            w = (c.get("state") or {}).get("waiting") or {}
            if w.get("reason") in ("CrashLoopBackOff", "ErrImagePull", "CreateContainerConfigError", "RunContainerError"):
                phase = f"Init:{w['reason']}"
    else:
        for c in cs:
            w = (c.get("state") or {}).get("waiting")
            if w and w.get("reason") not in (None, "ContainerCreating", "PodInitializing"):
                phase = w["reason"]
    restarts = sum(c.get("restartCount", 0) for c in cs)
    return [f"{ready}/{total}", phase, restarts, _age(o), st.get("podIP") or "<none>",
            o.get("spec", {}).get("nodeName") or "<none>"]


_COLUMNS = {
    "Pod": (["Ready", "Status", "Restarts", "Age", "IP", "Node"], [0, 0, 0, 0, 1, 1], _pod_row),
    "StatefulSet": (["Ready", "Age"], [0, 0], lambda o: [
        f"{o.get('status', {}).get('readyReplicas', 0)}/{o.get('spec', {}).get('replicas', 0)}", _age(o)]),
    "Deployment": (["Ready", "Up-to-date", "Available", "Age"], [0, 0, 0, 0], lambda o: [
        f"{o.get('status', {}).get('readyReplicas', 0)}/{o.get('spec', {}).get('replicas', 0)}",
        o.get("status", {}).get("updatedReplicas", 0), o.get("status", {}).get("availableReplicas", 0),
        _age(o)]),
    "Service": (["Type", "Cluster-IP", "Port(s)", "Age"], [0, 0, 0, 0], lambda o: [
        o["spec"].get("type", "ClusterIP"), o["spec"].get("clusterIP", ""),
        ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in o["spec"].get("ports") or [])
        or "<none>", _age(o)]),
    "PodDisruptionBudget": (["Min Available", "Max Unavailable", "Allowed Disruptions", "Age"], [0, 0, 0, 0],
                            lambda o: [str(o["spec"].get("minAvailable", "N/A")), str(o["spec"].get("maxUnavailable", "N/A")),
                                       (o.get("status") or {}).get("disruptionsAllowed", 0), _age(o)]),
    "Node": (["Status", "Age"], [0, 0], lambda o: [
        "Ready,SchedulingDisabled" if (o.get("spec") or {}).get("unschedulable") else "Ready", _age(o)]),
    "Event": (["Type", "Reason", "Object", "Message"], [0, 0, 0, 0], lambda o: [
        o.get("type", ""), o.get("reason", ""),
        f"{o.get('involvedObject', {}).get('kind', '').lower()}/{o.get('involvedObject', {}).get('name', '')}",
        o.get("message") or o.get("note", "")]),
}


def to_table(kind, objs, rv):
    names, priorities, row = _COLUMNS.get(kind, (["Age"], [0], lambda o: [_age(o)]))
    cols = [{"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0}]
    cols += [{"name": n, "type": "string", "format": "", "description": "", "priority": p}
             for n, p in zip(names, priorities)]
    rows = []
    for o in objs:
        md = o["metadata"]
        rows.append({"cells": [md["name"], *row(o)],
                     "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                "metadata": md}})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": rv},
            "columnDefinitions": cols, "rows": rows}
