"""One Event store, two views: core v1 Event and events.k8s.io/v1 Event convert on read."""

CORE, NEW = "v1", "events.k8s.io/v1"


def convert(obj, api_version):
    if obj.get("apiVersion") == api_version or obj.get("kind") != "Event":
        return obj
    out = {"apiVersion": api_version, "kind": "Event", "metadata": obj.get("metadata", {})}
    for k in ("reason", "type", "action", "eventTime", "reportingInstance", "related", "series"):
        if obj.get(k) is not None:
            out[k] = obj[k]
    if api_version == NEW:
        out["regarding"] = obj.get("involvedObject", {})
        out["note"] = obj.get("message", "")
        out["reportingController"] = obj.get("reportingComponent") or (obj.get("source") or {}).get("component", "")
        out["deprecatedSource"] = obj.get("source") or {}
        out["deprecatedFirstTimestamp"] = obj.get("firstTimestamp")
        out["deprecatedLastTimestamp"] = obj.get("lastTimestamp")
        out["deprecatedCount"] = obj.get("count", 0)
    else:
        out["involvedObject"] = obj.get("regarding", {})
        out["message"] = obj.get("note", "")
        out["reportingComponent"] = obj.get("reportingController", "")
        out["source"] = obj.get("deprecatedSource") or {"component": obj.get("reportingController", "")}
        out["firstTimestamp"] = obj.get("deprecatedFirstTimestamp") or obj.get("eventTime")
        out["lastTimestamp"] = obj.get("deprecatedLastTimestamp") or obj.get("eventTime")
        out["count"] = obj.get("deprecatedCount") or (obj.get("series") or {}).get("count") or 1
    return out
