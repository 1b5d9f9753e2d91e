"""Volume sources on the host side: directories the pod sandbox bind-mounts at mountPaths."""
import base64
import os
import shutil

from . import podenv, resources
from .podenv import ConfigError

SECRET = resources.find("", "v1", "secrets")
CONFIGMAP = resources.find("", "v1", "configmaps")


def _write_items(directory, data, items, mode):
    os.makedirs(directory, exist_ok=True)
    if items:
        pairs = [(it["key"], it["path"], it.get("mode", mode)) for it in items if it["key"] in data]
    else:
        pairs = [(k, k, mode) for k in data]
    for key, path, m in pairs:
        target = os.path.join(directory, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        value = data[key]
        with open(target, "wb") as f:
            f.write(value if isinstance(value, bytes) else value.encode())
        os.chmod(target, m if m is not None else 0o644)


def _object_data(store, ns, r, name, optional):
    obj = store.get_or_none(r, ns, name)
    if obj is None:
        if optional:
            return {}
        raise ConfigError(f'{"secret" if r is SECRET else "configmap"} "{name}" not found')
    if r is SECRET:
        return {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    data = dict(obj.get("data") or {})
    data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
    return data


def prepare(store, pod, pod_dir, pvc_root, sa_files):
    """Returns {volume name: host directory}. Raises ConfigError when a source is missing."""
    ns = pod["metadata"].get("namespace", "default")
    out = {}
    for v in pod["spec"].get("volumes") or []:
        name = v["name"]
        d = os.path.join(pod_dir, "volumes", name)
        if "emptyDir" in v:
            os.makedirs(d, exist_ok=True)
        elif "configMap" in v:
            src = v["configMap"]
            _write_items(d, _object_data(store, ns, CONFIGMAP, src.get("name"), src.get("optional")),
                         src.get("items"), src.get("defaultMode", 0o644))
        elif "secret" in v:
            src = v["secret"]
            _write_items(d, _object_data(store, ns, SECRET, src.get("secretName"), src.get("optional")),
                         src.get("items"), src.get("defaultMode", 0o644))
        elif "downwardAPI" in v:
            data = {it["path"]: podenv.field_ref(pod, it["fieldRef"]["fieldPath"])
                    for it in v["downwardAPI"].get("items") or [] if "fieldRef" in it}
            _write_items(d, data, None, v["downwardAPI"].get("defaultMode", 0o644))
        elif "projected" in v:
            os.makedirs(d, exist_ok=True)
            for src in v["projected"].get("sources") or []:
                if "configMap" in src:
                    c = src["configMap"]
                    _write_items(d, _object_data(store, ns, CONFIGMAP, c.get("name"), c.get("optional")),
                                 c.get("items"), 0o644)
                elif "secret" in src:
                    c = src["secret"]
                    _write_items(d, _object_data(store, ns, SECRET, c.get("name"), c.get("optional")),
                                 c.get("items"), 0o644)
                elif "downwardAPI" in src:
                    data = {it["path"]: podenv.field_ref(pod, it["fieldRef"]["fieldPath"])
                            for it in src["downwardAPI"].get("items") or [] if "fieldRef" in it}
                    _write_items(d, data, None, 0o644)
                elif "serviceAccountToken" in src:
                    _write_items(d, {"t": sa_files["token"]}, [{"key": "t", "path": src["serviceAccountToken"]["path"]}], 0o644)
        elif "persistentVolumeClaim" in v:
            d = os.path.join(pvc_root, ns, v["persistentVolumeClaim"]["claimName"])
            os.makedirs(d, exist_ok=True)
        elif "hostPath" in v:
            d = v["hostPath"]["path"]
            if v["hostPath"].get("type") == "DirectoryOrCreate":
                os.makedirs(d, exist_ok=True)
        else:
            raise ConfigError(f"volume {name}: unsupported volume type (kubesim supports emptyDir, "
                              "configMap, secret, downwardAPI, projected, persistentVolumeClaim, hostPath)")
        out[name] = d
    return out


def remove_pod_dir(pod_dir):
    shutil.rmtree(pod_dir, ignore_errors=True)
