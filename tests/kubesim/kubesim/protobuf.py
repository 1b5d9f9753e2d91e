"""Just enough of the Kubernetes protobuf encoding to accept what the typed `kubectl create ...`
commands send (responses are always JSON). Schemas list only the fields those commands set,
numbered as in k8s.io/api's generated.proto files; other fields are skipped."""
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


def _int_or_string(data):
    d = dict(fields(data))
    return d.get(3, b"").decode() if d.get(1) == 1 else d.get(2, 0)


def _decode(data, schema):
    out = {}
    for num, v in fields(data):
        if num not in schema:
            continue
        name, how = schema[num]
        if how == "str":
            out[name] = v.decode()
        elif how == "strs":
            out.setdefault(name, []).append(v.decode())
        elif how == "int":
            out[name] = v
        elif how == "bool":
            out[name] = bool(v)
        elif how in ("map", "bmap"):
            k, val = _map_entry(v, binary=how == "bmap")
            out.setdefault(name, {})[k] = val
        elif how == "intstr":
            out[name] = _int_or_string(v)
        elif isinstance(how, list):
            out.setdefault(name, []).append(_decode(v, how[0]))
        else:
            out[name] = _decode(v, how)
    return out


OBJECT_META = {1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"),
               11: ("labels", "map"), 12: ("annotations", "map"), 14: ("finalizers", "strs")}
LABEL_SELECTOR = {1: ("matchLabels", "map"),
                  2: ("matchExpressions", [{1: ("key", "str"), 2: ("operator", "str"), 3: ("values", "strs")}])}
CONTAINER = {1: ("name", "str"), 2: ("image", "str"), 3: ("command", "strs"), 4: ("args", "strs"),
             5: ("workingDir", "str"), 7: ("env", [{1: ("name", "str"), 2: ("value", "str")}]),
             6: ("ports", [{1: ("name", "str"), 3: ("containerPort", "int"), 4: ("protocol", "str")}]),
             14: ("imagePullPolicy", "str")}
POD_SPEC = {2: ("containers", [CONTAINER]), 3: ("restartPolicy", "str"),
            4: ("terminationGracePeriodSeconds", "int"), 6: ("dnsPolicy", "str")}
POLICY_RULE = {1: ("verbs", "strs"), 2: ("apiGroups", "strs"), 3: ("resources", "strs"),
               4: ("resourceNames", "strs"), 5: ("nonResourceURLs", "strs")}
BINDING = {2: ("subjects", [{1: ("kind", "str"), 2: ("apiGroup", "str"), 3: ("name", "str"),
                             4: ("namespace", "str")}]),
           3: ("roleRef", {1: ("apiGroup", "str"), 2: ("kind", "str"), 3: ("name", "str")})}

_KINDS = {
    "ConfigMap": {2: ("data", "map"), 3: ("binaryData", "bmap"), 4: ("immutable", "bool")},
    "Secret": {2: ("data", "bmap"), 3: ("type", "str"), 4: ("stringData", "map"), 5: ("immutable", "bool")},
    "Namespace": {},
    "ServiceAccount": {},
    "Service": {2: ("spec", {1: ("ports", [{1: ("name", "str"), 2: ("protocol", "str"), 3: ("port", "int"),
                                            4: ("targetPort", "intstr"), 5: ("nodePort", "int")}]),
                             2: ("selector", "map"), 3: ("clusterIP", "str"), 4: ("type", "str"),
                             10: ("externalName", "str")})},
    "Role": {2: ("rules", [POLICY_RULE])},
    "ClusterRole": {2: ("rules", [POLICY_RULE])},
    "RoleBinding": BINDING,
    "ClusterRoleBinding": BINDING,
    "PodDisruptionBudget": {2: ("spec", {1: ("minAvailable", "intstr"), 2: ("selector", LABEL_SELECTOR),
                                         3: ("maxUnavailable", "intstr")})},
    "Eviction": {2: ("deleteOptions", {1: ("gracePeriodSeconds", "int"), 5: ("dryRun", "strs")})},
    "Deployment": {2: ("spec", {1: ("replicas", "int"), 2: ("selector", LABEL_SELECTOR),
                                3: ("template", {1: ("metadata", OBJECT_META), 2: ("spec", POD_SPEC)}),
                                4: ("strategy", {1: ("type", "str")})})},
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
    obj = _decode(env.get(2, b""), {**_KINDS[kind], 1: ("metadata", OBJECT_META)})
    obj.setdefault("metadata", {})
    return dict(obj, apiVersion=api_version, kind=kind)
