"""Container environment: downward API, secretKeyRef/configMapKeyRef, envFrom, $(VAR) expansion."""
import base64
import re

from . import resources

SECRET = resources.find("", "v1", "secrets")
CONFIGMAP = resources.find("", "v1", "configmaps")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ConfigError(Exception):
    """A missing Secret/ConfigMap key: the container waits with CreateContainerConfigError."""


def field_ref(pod, path):
    md, spec, st = pod["metadata"], pod.get("spec", {}), pod.get("status", {})
    m = re.match(r"metadata\.(labels|annotations)\['([^']+)'\]$", path)
    if m:
        return (md.get(m.group(1)) or {}).get(m.group(2), "")
    simple = {"metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"),
              "metadata.uid": md.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
              "status.podIP": st.get("podIP"), "status.hostIP": st.get("hostIP"),
              "status.podIPs": st.get("podIP"), "status.hostIPs": st.get("hostIP")}
    if path == "metadata.labels":
        return "\n".join(f'{k}="{v}"' for k, v in sorted((md.get("labels") or {}).items()))
    if path == "metadata.annotations":
        return "\n".join(f'{k}="{v}"' for k, v in sorted((md.get("annotations") or {}).items()))
    if path not in simple:
        raise ConfigError(f"unsupported fieldRef {path!r}")
    return simple[path] or ""


def _key_ref(store, ns, ref, r):
    obj = store.get_or_none(r, ns, ref.get("name"))
    what = "secret" if r is SECRET else "configmap"
    if obj is None:
        if ref.get("optional"):
            return None
        raise ConfigError(f'{what} "{ref.get("name")}" not found')
    data = dict(obj.get("data") or {})
    if r is SECRET:
        data = {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}
        data.update(obj.get("stringData") or {})
    else:
        data.update({k: base64.b64decode(v).decode(errors="replace")
                     for k, v in (obj.get("binaryData") or {}).items()})
    if ref.get("key") not in data:
        if ref.get("optional"):
            return None
        raise ConfigError(f"couldn't find key {ref.get('key')} in {what.capitalize()} {ns}/{ref.get('name')}")
    return data[ref["key"]]


def expand(text, env):
    """Kubernetes $(VAR) expansion: defined names are replaced, $$ escapes, unknown ones stay."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)", sub, text)


def build_env(store, pod, container, base):
    ns = pod["metadata"].get("namespace", "default")
    env = dict(base)
    for src in container.get("envFrom") or []:
        prefix = src.get("prefix", "")
        for kind, r in (("configMapRef", CONFIGMAP), ("secretRef", SECRET)):
            ref = src.get(kind)
            if not ref:
                continue
            obj = store.get_or_none(r, ns, ref.get("name"))
            if obj is None:
                if ref.get("optional"):
                    continue
                raise ConfigError(f'{"secret" if r is SECRET else "configmap"} "{ref.get("name")}" not found')
            for k, v in (obj.get("data") or {}).items():
                env[prefix + k] = base64.b64decode(v).decode(errors="replace") if r is SECRET else v
    for e in container.get("env") or []:
        if "value" in e or "valueFrom" not in e:
            env[e["name"]] = expand(str(e.get("value", "")), env)
            continue
        vf = e["valueFrom"]
        if "fieldRef" in vf:
            value = field_ref(pod, vf["fieldRef"]["fieldPath"])
        elif "secretKeyRef" in vf:
            value = _key_ref(store, ns, vf["secretKeyRef"], SECRET)
        elif "configMapKeyRef" in vf:
            value = _key_ref(store, ns, vf["configMapKeyRef"], CONFIGMAP)
        elif "resourceFieldRef" in vf:
            value = "0"
        else:
            raise ConfigError(f"unsupported valueFrom in env {e['name']}")
        if value is not None:
            env[e["name"]] = value
    return env
