"""RBAC for service-account tokens, as the real API server checks it: a request made with a
pod's token (kubesim-token:NAMESPACE:SERVICEACCOUNT) is allowed only when a RoleBinding in its
namespace, or a ClusterRoleBinding, grants its verb on its resource to that ServiceAccount;
otherwise 403 Forbidden with the API server's message. Other callers (kubectl with the admin
token, the harness) are cluster-admin."""
from . import errors, resources

_ROLE = resources.find("rbac.authorization.k8s.io", "v1", "roles")
_CLUSTER_ROLE = resources.find("rbac.authorization.k8s.io", "v1", "clusterroles")
_BINDING = resources.find("rbac.authorization.k8s.io", "v1", "rolebindings")
_CLUSTER_BINDING = resources.find("rbac.authorization.k8s.io", "v1", "clusterrolebindings")


def service_account(authorization):
    """(namespace, name) of a pod token in an Authorization header, else None."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    parts = token.split(":")
    if len(parts) == 3 and parts[0] == "kubesim-token":
        return parts[1], parts[2]
    return None


def _subject_is(subject, sa_ns, sa_name, binding_ns):
    return (subject.get("kind") == "ServiceAccount" and subject.get("name") == sa_name
            and subject.get("namespace", binding_ns) == sa_ns)


def _allows(rule, verb, group, plural):
    def has(field, value):
        values = rule.get(field) or []
        return "*" in values or value in values
    return has("verbs", verb) and has("apiGroups", group) and has("resources", plural)


def _rules(store, ref, binding_ns):
    if ref.get("kind") == "ClusterRole":
        role = store.get_or_none(_CLUSTER_ROLE, None, ref.get("name"))
    else:
        role = store.get_or_none(_ROLE, binding_ns, ref.get("name"))
    return (role or {}).get("rules") or []


def check(store, authorization, verb, r, ns, sub=""):
    """Raises 403 when a service-account token may not `verb` resource `r` (in `ns`)."""
    sa = service_account(authorization)
    if sa is None:
        return
    sa_ns, sa_name = sa
    plural = f"{r.plural}/{sub}" if sub else r.plural
    bindings = []
    if ns:
        bindings += [(b, ns) for b in store.list(_BINDING, ns)[0]]
    bindings += [(b, None) for b in store.list(_CLUSTER_BINDING)[0]]
    for binding, binding_ns in bindings:
        if not any(_subject_is(s, sa_ns, sa_name, binding_ns) for s in binding.get("subjects") or []):
            continue
        if any(_allows(rule, verb, r.group, plural) for rule in _rules(store, binding.get("roleRef") or {}, binding_ns)):
            return
    where = f' in the namespace "{ns}"' if ns and r.namespaced else " at the cluster scope"
    raise errors.ApiError(
        403, "Forbidden",
        f'{plural} is forbidden: User "system:serviceaccount:{sa_ns}:{sa_name}" cannot {verb} '
        f'resource "{plural}" in API group "{r.group}"{where}')
