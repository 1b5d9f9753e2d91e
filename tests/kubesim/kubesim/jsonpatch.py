"""Patches: JSON Patch (RFC 6902), JSON merge patch (RFC 7386) and a strategic-merge subset."""
import copy

from .errors import ApiError


class PatchError(ApiError):
    def __init__(self, message):
        super().__init__(422, "Invalid", message)


def _tokens(pointer):
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"invalid JSON pointer {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _parent(doc, tokens, pointer):
    cur = doc
    for t in tokens[:-1]:
        try:
            cur = cur[int(t)] if isinstance(cur, list) else cur[t]
        except (KeyError, IndexError, ValueError, TypeError):
            raise PatchError(f"path {pointer!r} does not exist") from None
    return cur


def _get(doc, pointer):
    cur = doc
    for t in _tokens(pointer):
        try:
            cur = cur[int(t)] if isinstance(cur, list) else cur[t]
        except (KeyError, IndexError, ValueError, TypeError):
            raise PatchError(f"path {pointer!r} does not exist") from None
    return cur


def _remove(doc, pointer):
    toks = _tokens(pointer)
    parent = _parent(doc, toks, pointer)
    try:
        if isinstance(parent, list):
            return parent.pop(int(toks[-1]))
        return parent.pop(toks[-1])
    except (KeyError, IndexError, ValueError):
        raise PatchError(f"unable to remove nonexistent key {pointer!r}") from None


def _add(doc, pointer, value, replace=False):
    toks = _tokens(pointer)
    if not toks:
        return value
    parent = _parent(doc, toks, pointer)
    last = toks[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
            return doc
        try:
            i = int(last)
        except ValueError:
            raise PatchError(f"invalid array index in {pointer!r}") from None
        if i < 0 or i > len(parent) or (replace and i == len(parent)):
            raise PatchError(f"array index out of range in {pointer!r}")
        if replace:
            parent[i] = value
        else:
            parent.insert(i, value)
    elif isinstance(parent, dict):
        if replace and last not in parent:
            raise PatchError(f"replace operation does not apply: doc is missing key: {pointer}")
        parent[last] = value
    else:
        raise PatchError(f"path {pointer!r} does not exist")
    return doc


def apply_json_patch(doc, ops):
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise PatchError("JSON patch must be an array of operations")
    for op in ops:
        kind, path = op.get("op"), op.get("path")
        if path is None:
            raise PatchError(f"operation missing path: {op}")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            doc = _add(doc, path, copy.deepcopy(op["value"]), replace=True)
        elif kind == "move":
            v = _remove(doc, op["from"])
            doc = _add(doc, path, v)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise PatchError(f"testing value {path} failed")
        else:
            raise PatchError(f"unknown JSON patch operation {kind!r}")
    return doc


def apply_merge_patch(doc, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(doc) if isinstance(doc, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = apply_merge_patch(out.get(k), v)
    return out


# Lists merged by key under strategic merge, as in the Kubernetes Go types' patchMergeKey tags.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "imagePullSecrets": "name", "hostAliases": "ip", "topologySpreadConstraints": "topologyKey",
    "conditions": "type", "ownerReferences": "uid", "finalizers": None, "webhooks": "name",
    "readinessGates": "conditionType", "resourceClaims": "name",
}


def _port_key(items):
    sample = next((i for i in items if isinstance(i, dict)), {})
    return "containerPort" if "containerPort" in sample else "port"


def apply_strategic_merge_patch(doc, patch):
    """Merge patch, except that known lists (containers, env, volumes, ports, ...) merge by key
    and honour `$patch: delete`; `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList`
    directives are accepted and ignored (order is then: existing first, new appended)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    out = copy.deepcopy(doc) if isinstance(doc, dict) else {}
    for k, v in patch.items():
        if k.startswith("$"):
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, list) and (k in MERGE_KEYS or k == "ports"):
            key = _port_key(v + (out.get(k) or [])) if k == "ports" else MERGE_KEYS[k]
            out[k] = _merge_list(out.get(k) or [], v, key)
        elif isinstance(v, dict):
            out[k] = apply_strategic_merge_patch(out.get(k), v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _merge_list(cur, patch, key):
    if key is None:  # a primitive list merged as a set
        return list(dict.fromkeys(cur + patch))
    out = copy.deepcopy(cur)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            return copy.deepcopy(patch)
        idx = next((i for i, c in enumerate(out) if isinstance(c, dict) and c.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
        elif idx is None:
            out.append(apply_strategic_merge_patch({}, item))
        else:
            out[idx] = apply_strategic_merge_patch(out[idx], item)
    return out
