"""kubectl and polling helpers for the e2e story: every cluster change goes through `kubectl`,
the way a user makes it. Pod processes are reached through kubesim's exec records only for
faults a user cannot cause with kubectl (freezing a pod, as a hung node would)."""
import json
import os
import subprocess
import time

import yaml

STATE_DIR = os.environ.get("KUBESIM_STATE_DIR", "")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class CommandFailed(AssertionError):
    pass


# The image of every redis container the story creates: $E2E_REDIS_IMAGE (e.g. redis:6.2 or
# valkey/valkey:8.0, with RC_REDIS_SERVER naming that server's binary on this machine), else
# deploy/example's. The agent renders redis.conf by the version in its tag.
EXAMPLE_IMAGE = "redis:7.0"
REDIS_IMAGE = os.environ.get("E2E_REDIS_IMAGE") or EXAMPLE_IMAGE


def redis_version():
    """(major, minor) of REDIS_IMAGE's tag; Valkey 8 counts as Redis 7.2 (what it forked)."""
    name, _, tag = REDIS_IMAGE.rpartition(":")
    parts = [int(x) for x in tag.split("-")[0].split(".")[:2] if x.isdigit()]
    major, minor = (parts + [0, 0])[:2]
    return (7, 2) if "valkey" in name and major >= 7 else (major, minor)


def with_redis_image(docs):
    """`docs` with REDIS_IMAGE in every container named redis."""
    for d in docs:
        spec = d.get("spec", {}).get("template", {}).get("spec", {})
        for c in spec.get("containers", []):
            if c.get("name") == "redis":
                c["image"] = REDIS_IMAGE
    return docs


def example_manifests(ns, annotations):
    """deploy/example's manifests moved to namespace `ns`, the StatefulSet with `annotations`."""
    with open(os.path.join(REPO, "deploy", "example", "redis-statefulset.yaml")) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    for d in docs:
        d["metadata"]["namespace"] = ns
        if d["kind"] == "StatefulSet":
            d["metadata"].setdefault("annotations", {}).update(annotations)
        for s in d.get("subjects", []):
            s["namespace"] = ns
    return with_redis_image(docs)


def kubectl(*args, input=None, check=True, timeout=90):
    """Runs `kubectl ARGS`; returns the CompletedProcess (text). check=True fails with both streams."""
    p = subprocess.run(["kubectl", *args], input=input, capture_output=True, text=True,
                       timeout=timeout, cwd=REPO)
    if check and p.returncode != 0:
        raise CommandFailed(f"kubectl {' '.join(args)} failed ({p.returncode}):\n"
                            f"{p.stdout}\n{p.stderr}")
    return p


def get_json(ns, kind, name=None, selector=None):
    """The object (or list) as JSON, or None when kubectl says it is not there."""
    args = (["-n", ns] if ns else []) + ["get", kind] + ([name] if name else [])
    args += (["-l", selector] if selector else []) + ["-o", "json"]
    p = kubectl(*args, check=False)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)


def kubesim_tail(chars=3000):
    path = os.path.join(STATE_DIR, "kubesim.log")
    if not STATE_DIR or not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        return f.read()[-chars:]


def wait_for(what, fn, timeout=120, interval=0.5, diagnose=None):
    """Polls fn() until it returns a truthy value and returns it; at the deadline fails naming
    `what`, the last value, the pods and (when given) diagnose()'s text."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
        except Exception as e:  # a poll that raises is a poll that is not there yet
            last = f"{type(e).__name__}: {e}"
            if time.monotonic() >= deadline:
                break
        else:
            if last:
                return last
            if time.monotonic() >= deadline:
                break
        time.sleep(interval)
    pods = kubectl("get", "pods", "-A", "-o", "wide", check=False).stdout
    extra = ""
    if diagnose:
        try:
            extra = diagnose()
        except Exception as e:  # diagnostics never hide the timeout itself
            extra = f"(diagnostics failed: {e})"
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\nlast: {last!r}\n"
                         f"pods:\n{pods}\n{extra}")


def pod_ready(pod):
    status = pod.get("status", {})
    return status.get("phase") == "Running" and any(
        c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions") or [])


def pods(ns, selector):
    """Pods matching selector, by name (terminating ones included)."""
    items = (get_json(ns, "pods", selector=selector) or {}).get("items", [])
    return {p["metadata"]["name"]: p for p in items}


def ready_pod_ips(ns, selector):
    """{pod name: IP} of the ready, not terminating pods."""
    return {name: p["status"]["podIP"] for name, p in pods(ns, selector).items()
            if pod_ready(p) and not p["metadata"].get("deletionTimestamp") and p["status"].get("podIP")}


def pod_ip(ns, name):
    pod = get_json(ns, "pod", name)
    return (pod or {}).get("status", {}).get("podIP")


def logs(ns, pod, container, check=True):
    return kubectl("-n", ns, "logs", pod, "-c", container, check=check).stdout


def container_pid(ns, pod, container):
    """The host pid of a running container's main process (kubesim's exec record)."""
    with open(os.path.join(STATE_DIR, "exec", ns, pod + ".json")) as f:
        return json.load(f)["containers"][container]["pid"]


def kubesim_exec(ns, pod, *cmd, container=None, check=True, timeout=60, env=None):
    args = ["kubesim", "exec", "-n", ns, pod] + (["-c", container] if container else []) + ["--", *cmd]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    if check and p.returncode != 0:
        raise CommandFailed(f"{' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def events(ns):
    return (get_json(ns, "events") or {}).get("items", [])
