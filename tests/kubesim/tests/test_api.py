"""API surface details that kubectl and the agent rely on."""
import json

from support import apply, get, kubectl


def test_events_are_visible_through_both_event_apis(ns):
    ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "agent.1"},
          "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "redis-cluster-agent",
          "reportingInstance": "redis-0", "action": "Rebalance", "reason": "Rebalanced", "type": "Normal",
          "note": "moved 100 slots", "regarding": {"kind": "Pod", "name": "redis-0", "namespace": ns}}
    apply(ns, ev)
    core = get(ns, "events.v1.", "agent.1") or json.loads(
        kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/events/agent.1").stdout)
    assert core["message"] == "moved 100 slots" and core["involvedObject"]["name"] == "redis-0"
    assert "moved 100 slots" in kubectl("-n", ns, "get", "events").stdout


def test_scale_subresource_and_discovery(ns):
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
           "spec": {"replicas": 0, "serviceName": "s", "selector": {"matchLabels": {"a": "s"}},
                    "template": {"metadata": {"labels": {"a": "s"}},
                                 "spec": {"containers": [{"name": "c", "image": "redis:7"}]}}}}
    apply(ns, sts)
    scale = json.loads(kubectl("get", "--raw", f"/apis/apps/v1/namespaces/{ns}/statefulsets/s/scale").stdout)
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 0 and scale["status"]["selector"] == "a=s"
    resources = kubectl("api-resources", "--no-headers").stdout
    for kind in ("MutatingWebhookConfiguration", "Lease", "PodDisruptionBudget", "StatefulSet", "ClusterRoleBinding"):
        assert kind in resources
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "leader"},
             "spec": {"holderIdentity": "redis-0", "leaseDurationSeconds": 15}}
    apply(ns, lease)
    cur = get(ns, "lease", "leader")
    cur["spec"]["holderIdentity"] = "redis-1"
    stale = json.loads(json.dumps(cur))
    kubectl("-n", ns, "replace", "-f", "-", input=json.dumps(cur))
    stale["spec"]["holderIdentity"] = "redis-2"
    p = kubectl("-n", ns, "replace", "-f", "-", input=json.dumps(stale), check=False)
    assert p.returncode != 0 and "the object has been modified" in p.stderr


def test_refused_request_leaves_the_connection_clean():
    crd = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
           "metadata: {name: foos.example.com}\nspec: {}\n")
    p = kubectl("apply", "-f", "-", input=crd, check=False)
    assert p.returncode != 0 and "does not support create on customresourcedefinitions" in p.stderr
    assert "Unsolicited response" not in p.stderr
    assert "No resources found" in kubectl("get", "crd").stderr


def test_watch_with_label_selector_sees_objects_enter_and_leave(ns):
    import http.client
    import os
    import ssl
    import threading
    state = os.environ["KUBESIM_STATE_DIR"]
    ctx = ssl.create_default_context(cafile=os.path.join(state, "pki", "ca.crt"))
    host = os.environ["KUBESIM_API_SERVER"].split("//")[1]
    rv = json.loads(kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/configmaps").stdout)["metadata"]["resourceVersion"]
    conn = http.client.HTTPSConnection(host, context=ctx, timeout=20)
    conn.request("GET", f"/api/v1/namespaces/{ns}/configmaps?watch=true&labelSelector=w%3D1&resourceVersion={rv}"
                 "&timeoutSeconds=15", headers={"Authorization": "Bearer test"})
    resp = conn.getresponse()
    seen = []

    def read():
        for line in resp:
            ev = json.loads(line)
            seen.append((ev["type"], ev["object"]["metadata"]["name"]))
            if len(seen) == 4:
                return
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    apply(ns, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": {"w": "1"}}})
    apply(ns, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "labels": {"w": "0"}}})
    kubectl("-n", ns, "label", "configmap", "a", "w=2", "--overwrite")
    kubectl("-n", ns, "label", "configmap", "b", "w=1", "--overwrite")
    kubectl("-n", ns, "delete", "configmap", "b")
    reader.join(15)
    conn.close()
    assert seen == [("ADDED", "a"), ("DELETED", "a"), ("ADDED", "b"), ("DELETED", "b")]


def _contained(want, got, path=""):
    """Differences where `want` (ignoring empty values) is not found in `got`."""
    if isinstance(want, dict):
        out = []
        for k, v in want.items():
            if k not in ("creationTimestamp", "status") and v not in ({}, [], None, ""):
                out += _contained(v, got.get(k) if isinstance(got, dict) else None, f"{path}.{k}")
        return out
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{path}: {want} != {got}"]
        return [d for i, (a, b) in enumerate(zip(want, got)) for d in _contained(a, b, f"{path}[{i}]")]
    return [] if want == got else [f"{path}: {want!r} != {got!r}"]


def test_typed_kubectl_create_commands_are_decoded_from_protobuf(ns):
    commands = [
        ["service", "clusterip", "svc1", "--tcp=80:8080", "--tcp=443:https"],
        ["role", "r1", "--verb=get,list", "--resource=pods,statefulsets.apps", "--resource-name=a"],
        ["rolebinding", "rb1", "--role=r1", f"--serviceaccount={ns}:default", "--user=bob"],
        ["poddisruptionbudget", "pdb1", "--selector=a=b", "--max-unavailable=50%"],
        ["deployment", "d1", "--image=busybox", "--replicas=1", "--port=80", "--", "sleep", "100"],
        ["secret", "generic", "s1", "--from-literal=password=s3cret"],
        ["configmap", "c1", "--from-literal=a=b"],
        ["serviceaccount", "sa1"],
    ]
    for cmd in commands:
        split = cmd.index("--") if "--" in cmd else len(cmd)
        want = json.loads(kubectl("-n", ns, "create", *cmd[:split], "--dry-run=client", "-o", "json",
                                  *cmd[split:]).stdout)
        kubectl("-n", ns, "create", *cmd)
        got = get(ns, f"{want['kind'].lower()}.{want['apiVersion'].split('/')[0] if '/' in want['apiVersion'] else ''}"
                  .rstrip("."), want["metadata"]["name"])
        assert not _contained(want, got), (cmd, _contained(want, got))


def test_server_dry_run_changes_nothing(ns):
    import yaml
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dry", "namespace": ns}, "data": {"k": "1"}}
    apply(ns, cm)
    cm["data"]["k"] = "2"
    p = kubectl("diff", "-f", "-", input=yaml.safe_dump(cm), check=False)
    assert p.returncode == 1 and '-  k: "1"' in p.stdout and '+  k: "2"' in p.stdout, p.stdout + p.stderr
    kubectl("apply", "--dry-run=server", "-f", "-", input=yaml.safe_dump(cm))
    kubectl("-n", ns, "delete", "configmap", "dry", "--dry-run=server")
    assert get(ns, "configmap", "dry")["data"] == {"k": "1"}


def test_service_account_tokens_get_only_what_rbac_grants(ns):
    import http.client
    import os
    import ssl
    state = os.environ["KUBESIM_STATE_DIR"]
    ctx = ssl.create_default_context(cafile=os.path.join(state, "pki", "ca.crt"))
    host = os.environ["KUBESIM_API_SERVER"].split("//")[1]

    def call(method, path, sa="agent"):
        conn = http.client.HTTPSConnection(host, context=ctx, timeout=20)
        conn.request(method, path, body=b"{}" if method == "POST" else None,
                     headers={"Authorization": f"Bearer kubesim-token:{ns}:{sa}",
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        body = json.loads(r.read() or b"{}")
        conn.close()
        return r.status, body

    status, body = call("GET", f"/api/v1/namespaces/{ns}/pods")
    assert status == 403, body
    assert body["reason"] == "Forbidden"
    assert f'User "system:serviceaccount:{ns}:agent" cannot list resource "pods"' in body["message"]
    apply(ns, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]},
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b"},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
           "subjects": [{"kind": "ServiceAccount", "name": "agent", "namespace": ns}]})
    assert call("GET", f"/api/v1/namespaces/{ns}/pods")[0] == 200
    assert call("GET", f"/api/v1/namespaces/{ns}/pods?watch=true&timeoutSeconds=1")[0] == 403
    assert call("GET", f"/api/v1/namespaces/{ns}/secrets")[0] == 403
    assert call("GET", f"/api/v1/namespaces/{ns}/pods", sa="other")[0] == 403
    assert call("GET", "/api/v1/nodes")[0] == 403
    # Without a pod token (kubectl, the harness): cluster-admin, as before.
    assert kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/secrets").returncode == 0
