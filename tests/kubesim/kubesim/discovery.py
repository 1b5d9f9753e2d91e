"""Discovery documents (legacy form) and the minimal OpenAPI answers kubectl needs."""
from .resources import GROUPS, RESOURCES

SERVER_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-kubesim", "gitCommit": "kubesim",
                  "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23",
                  "compiler": "gc", "platform": "linux/amd64"}


def api_versions(server_address):
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _versions_of(group):
    vs = []
    for r in RESOURCES:
        if r.group == group and r.version not in vs:
            vs.append(r.version)
    return vs


def _group(group):
    vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in _versions_of(group)]
    return {"name": group, "versions": vs, "preferredVersion": vs[0]}


def api_group_list():
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(g) for g in GROUPS]}


def api_group(group):
    if group not in GROUPS:
        return None
    return dict(_group(group), kind="APIGroup", apiVersion="v1")


def resource_list(group, version):
    rs = [r for r in RESOURCES if r.group == group and r.version == version]
    if not rs:
        return None
    out = []
    for r in rs:
        entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                 "kind": r.kind, "verbs": list(r.verbs)}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.plural in ("pods", "statefulsets", "deployments", "services"):
            entry["categories"] = ["all"]
        out.append(entry)
        for sub in r.subresources:
            sentry = {"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced,
                      "kind": r.kind, "verbs": ["get", "patch", "update"]}
            if sub == "scale":
                sentry.update(group="autoscaling", version="v1", kind="Scale")
            if sub == "log":
                sentry.update(kind="Pod", verbs=["get"])
            if sub == "eviction":
                sentry.update(group="policy", version="v1", kind="Eviction", verbs=["create"])
            out.append(sentry)
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}


def openapi_v3_root():
    """An OpenAPI v3 index with no group-version entries. kubectl's client-side validation then
    finds no schema for any kind and skips validation (see README: "OpenAPI")."""
    return {"paths": {}}


def _pb_string(field, text):
    data = text.encode()
    return bytes([field << 3 | 2, len(data)]) + data


def openapi_v2_protobuf():
    """An OpenAPI v2 Document in protobuf (what kubectl asks for) with no definitions:
    swagger="2.0", info={title, version}. kubectl finds no schema and skips validation."""
    info = _pb_string(1, "kubesim") + _pb_string(2, "v1.32.0")
    return _pb_string(1, "2.0") + bytes([2 << 3 | 2, len(info)]) + info


OPENAPI_V2_PROTOBUF_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def openapi_v2():
    return {"swagger": "2.0", "info": {"title": "kubesim", "version": "v1.32.0"}, "paths": {},
            "definitions": {}}
