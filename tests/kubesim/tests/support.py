"""Helpers for kubesim's own tests: kubectl, polling with deadlines, manifests."""
import json
import os
import re
import subprocess
import time
import uuid

import yaml

STATE_DIR = os.environ.get("KUBESIM_STATE_DIR", "")


def kubectl(*args, input=None, check=True, timeout=60):
    p = subprocess.run(["kubectl", *args], input=input, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def apply(ns, *docs):
    text = yaml.safe_dump_all(list(docs))
    return kubectl("-n", ns, "apply", "-f", "-", input=text)


# kubectl names -> API paths, for reads that tests poll often (a Go process per poll is costly
# on a loaded 2-core machine). Anything else goes through kubectl.
_PATHS = {"pod": "api/v1/{ns}pods", "pods": "api/v1/{ns}pods", "configmap": "api/v1/{ns}configmaps",
          "endpoints": "api/v1/{ns}endpoints", "pvc": "api/v1/{ns}persistentvolumeclaims",
          "statefulset": "apis/apps/v1/{ns}statefulsets", "deployment": "apis/apps/v1/{ns}deployments",
          "pdb": "apis/policy/v1/{ns}poddisruptionbudgets", "lease": "apis/coordination.k8s.io/v1/{ns}leases"}
_conn = None


def _api_get(path):
    global _conn
    import http.client
    import ssl
    for attempt in range(2):
        if _conn is None:
            ctx = ssl.create_default_context(cafile=os.path.join(STATE_DIR, "pki", "ca.crt"))
            _conn = http.client.HTTPSConnection(os.environ["KUBESIM_API_SERVER"].split("//")[1],
                                                context=ctx, timeout=30)
        try:
            _conn.request("GET", path, headers={"Authorization": "Bearer kubesim-tests"})
            resp = _conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException):
            _conn.close()
            _conn = None
            if attempt:
                raise


def get(ns, kind, name=None, selector=None):
    """The object (or list) as kubectl get -o json would return it; None when it is not there."""
    if kind in _PATHS and STATE_DIR:
        import urllib.parse
        path = "/" + _PATHS[kind].format(ns=f"namespaces/{ns}/") + (f"/{name}" if name else "")
        if selector:
            path += "?labelSelector=" + urllib.parse.quote(selector)
        status, body = _api_get(path)
        return json.loads(body) if status == 200 else None
    args = ["-n", ns, "get", kind] + ([name] if name else []) + (["-l", selector] if selector else []) + ["-o", "json"]
    p = kubectl(*args, check=False)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)


def wait_for(what, fn, timeout=60, interval=0.2):
    """Polls fn() until it returns a truthy value; fails with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    pods = kubectl("get", "pods", "-A", "-o", "wide", check=False).stdout
    log = ""
    if STATE_DIR and os.path.exists(os.path.join(STATE_DIR, "kubesim.log")):
        with open(os.path.join(STATE_DIR, "kubesim.log")) as f:
            log = f.read()[-3000:]
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})\n"
                         f"pods:\n{pods}\nkubesim.log (tail):\n{log}")


def pod_ready(pod):
    return pod.get("status", {}).get("phase") == "Running" and any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or [])


def ready_pods(ns, selector):
    pods = (get(ns, "pods", selector=selector) or {}).get("items", [])
    return {p["metadata"]["name"]: p for p in pods if pod_ready(p) and not p["metadata"].get("deletionTimestamp")}


def unique_namespace(test_name):
    base = re.sub(r"[^a-z0-9-]", "-", test_name.lower())[:40].strip("-")
    return f"{base}-{uuid.uuid4().hex[:4]}"


def kubesim_exec(ns, pod, *cmd, container=None, check=True, timeout=30):
    args = ["kubesim", "exec", "-n", ns, pod] + (["-c", container] if container else []) + ["--", *cmd]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def redis_statefulset(name, replicas=3, policy="OrderedReady", extra_spec=None):
    labels = {"app": name}
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
           "spec": {"serviceName": name, "replicas": replicas, "podManagementPolicy": policy,
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                                 "spec": {"terminationGracePeriodSeconds": 5,
                                          "containers": [{"name": "redis", "image": "redis:7",
                                                          "ports": [{"name": "redis", "containerPort": 6379}],
                                                          "readinessProbe": {"exec": {"command": ["redis-cli", "ping"]},
                                                                             "periodSeconds": 1}}]}}}}
    sts["spec"].update(extra_spec or {})
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
           "spec": {"clusterIP": "None", "selector": labels, "ports": [{"name": "redis", "port": 6379}]}}
    return svc, sts


def container_pid(ns, pod, container):
    """The host pid of a running container's process (from kubesim's exec records)."""
    with open(os.path.join(STATE_DIR, "exec", ns, pod + ".json")) as f:
        return json.load(f)["containers"][container]["pid"]


# A container that records SIGTERM in /marker/events and exits on it (marker_dir is a host dir).
TERM_LOGGING_LOOP = ("trap 'echo TERM at $(date +%s.%N) >> /marker/events; exit 0' TERM; "
                     "while true; do sleep 0.1; done")


def prestop_pod(name, marker_dir, pre_stop, grace):
    """A pod (label t=NAME) whose container runs TERM_LOGGING_LOOP and whose preStop hook runs
    `sh -c PRE_STOP`, with marker_dir mounted at /marker."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"t": name}},
            "spec": {"terminationGracePeriodSeconds": grace,
                     "volumes": [{"name": "marker", "hostPath": {"path": marker_dir, "type": "DirectoryOrCreate"}}],
                     "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", TERM_LOGGING_LOOP],
                                     "volumeMounts": [{"name": "marker", "mountPath": "/marker"}],
                                     "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", pre_stop]}}}}]}}


def process_gone(pid):
    """True when host pid `pid` has exited (gone, or a zombie nobody reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
