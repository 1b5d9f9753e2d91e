"""Just enough of the Kubernetes protobuf encoding to accept what typed `kubectl create` sends for
ConfigMap, Secret, Namespace and ServiceAccount (responses are always JSON)."""
import base64

from .errors import ApiError

MAGIC = b"k8s\x00"


def _varint(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def fields(data):
    """Yields (field number, value) with value an int or bytes."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            n, pos = _varint(data, pos)
            value, pos = data[pos:pos + n], pos + n
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield num, value


def _map_entry(data, binary=False):
    d = dict(fields(data))
    value = d.get(2, b"")
    return d.get(1, b"").decode(), base64.b64encode(value).decode() if binary else value.decode()


def _object_meta(data):
    md = {}
    for num, v in fields(data):
        if num in (1, 2, 3):
            md[{1: "name", 2: "generateName", 3: "namespace"}[num]] = v.decode()
        elif num in (11, 12):
            k, val = _map_entry(v)
            md.setdefault("labels" if num == 11 else "annotations", {})[k] = val
        elif num == 14:
            md.setdefault("finalizers", []).append(v.decode())
    return md


_KINDS = {
    # kind: {field: (json name, decoder)}
    "ConfigMap": {2: ("data", "map"), 3: ("binaryData", "bmap"), 4: ("immutable", "bool")},
    "Secret": {2: ("data", "bmap"), 3: ("type", "str"), 4: ("stringData", "map"), 5: ("immutable", "bool")},
    "Namespace": {},
    "ServiceAccount": {},
}


def decode(body):
    if not body.startswith(MAGIC):
        raise ApiError(415, "UnsupportedMediaType", "protobuf body without the k8s envelope")
    env = dict(fields(body[len(MAGIC):]))
    tm = dict(fields(env.get(1, b"")))
    api_version, kind = tm.get(1, b"").decode(), tm.get(2, b"").decode()
    if kind not in _KINDS:
        raise ApiError(415, "UnsupportedMediaType",
                       f"kubesim decodes protobuf only for {', '.join(_KINDS)}, not {kind}: use "
                       "`kubectl create ... --dry-run=client -o yaml | kubectl apply -f -`")
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {}}
    schema = _KINDS[kind]
    for num, v in fields(env.get(2, b"")):
        if num == 1:
            obj["metadata"] = _object_meta(v)
        elif num in schema:
            name, how = schema[num]
            if how in ("map", "bmap"):
                k, val = _map_entry(v, binary=how == "bmap")
                obj.setdefault(name, {})[k] = val
            elif how == "str":
                obj[name] = v.decode()
            elif how == "bool":
                obj[name] = bool(v)
    return obj
