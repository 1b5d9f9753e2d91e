"""Pod lifecycle: preStop and the grace period, init containers, native sidecars, env, volumes,
restarts."""
import os
import signal
import time

import support
from support import apply, get, kubectl, kubesim_exec, prestop_pod, process_gone, ready_pods, wait_for

def test_prestop_runs_before_sigterm_and_holds_termination(ns, tmp_path):
    marker = str(tmp_path)
    apply(ns, prestop_pod("hold", marker, "sleep 2; echo preStop done at $(date +%s.%N) >> /marker/events", 30))
    wait_for("pod ready", lambda: "hold" in ready_pods(ns, "t=hold"))
    t0 = time.monotonic()
    kubectl("-n", ns, "delete", "pod", "hold", timeout=40)
    elapsed = time.monotonic() - t0
    assert 2 <= elapsed < 15, elapsed
    with open(os.path.join(marker, "events")) as f:
        events = f.read().split("\n")
    assert events[0].startswith("preStop done") and events[1].startswith("TERM"), events


def test_grace_period_ends_a_stuck_prestop(ns, tmp_path):
    marker = str(tmp_path)
    apply(ns, prestop_pod("stuck", marker, "sleep 60", 3))
    wait_for("pod ready", lambda: "stuck" in ready_pods(ns, "t=stuck"))
    stray = int(kubesim_exec(ns, "stuck", "sh", "-c", "setsid sleep 300 >/dev/null 2>&1 & echo $!").stdout)
    t0 = time.monotonic()
    kubectl("-n", ns, "delete", "pod", "stuck", timeout=40)
    elapsed = time.monotonic() - t0
    assert 3 <= elapsed < 12, elapsed
    assert get(ns, "pod", "stuck") is None
    # A process started in the pod with kubesim exec (in its own session) went with the pod.
    wait_for("stray process gone", lambda: process_gone(stray), timeout=5)


def test_init_sidecar_env_volumes_and_restart(ns):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pw"},
              "stringData": {"password": "s3cret"}, "data": {"other": "eA=="}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "conf"}, "data": {"greeting": "hello"}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "full", "labels": {"t": "full", "role": "db"}},
           "spec": {"volumes": [{"name": "work", "emptyDir": {}}, {"name": "conf", "configMap": {"name": "conf"}},
                                {"name": "pw", "secret": {"secretName": "pw"}}],
                    "initContainers": [
                        {"name": "init", "image": "busybox",
                         "command": ["sh", "-c", "echo from-init > /work/init.txt"],
                         "volumeMounts": [{"name": "work", "mountPath": "/work"}]},
                        {"name": "sidecar", "image": "busybox", "restartPolicy": "Always",
                         "command": ["sh", "-c", "while true; do date +%s > /work/sidecar.txt; sleep 0.2; done"],
                         "volumeMounts": [{"name": "work", "mountPath": "/work"}]}],
                    "containers": [{
                        "name": "main", "image": "busybox",
                        "command": ["sh", "-c", "cat /work/init.txt; exec sleep 1000"],
                        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                                {"name": "POD_NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                                {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                                {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                                {"name": "ROLE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['role']"}}},
                                {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "pw", "key": "password"}}},
                                {"name": "GREETING", "valueFrom": {"configMapKeyRef": {"name": "conf", "key": "greeting"}}},
                                {"name": "BOTH", "value": "$(POD_NAME)/$(ROLE)"}],
                        "volumeMounts": [{"name": "work", "mountPath": "/work"},
                                         {"name": "conf", "mountPath": "/etc/app"},
                                         {"name": "pw", "mountPath": "/var/run/secrets/pw", "readOnly": True}]}]}}
    # The pod's (default) ServiceAccount may read pods, as a RoleBinding grants it.
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "read-pods"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "read-pods"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read-pods"},
               "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": ns}]}
    apply(ns, secret, cm, role, binding, pod)
    p = wait_for("pod ready", lambda: ready_pods(ns, "t=full").get("full"))
    env = dict(line.split("=", 1) for line in kubesim_exec(ns, "full", "env").stdout.splitlines() if "=" in line)
    assert env["POD_NAME"] == "full" and env["POD_NS"] == ns and env["ROLE"] == "db"
    assert env["POD_IP"] == p["status"]["podIP"] and env["NODE"] == p["spec"]["nodeName"]
    assert env["PASSWORD"] == "s3cret" and env["GREETING"] == "hello" and env["BOTH"] == "full/db"
    assert env["KUBERNETES_SERVICE_HOST"] == "10.244.0.1"
    assert kubesim_exec(ns, "full", "cat", "/etc/app/greeting").stdout == "hello"
    assert kubesim_exec(ns, "full", "cat", "/var/run/secrets/pw/password").stdout == "s3cret"
    assert kubesim_exec(ns, "full", "sh", "-c", "echo x > /var/run/secrets/pw/new", check=False).returncode != 0
    assert kubesim_exec(ns, "full", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace").stdout == ns
    # The service-account token and CA reach the API server over TLS from inside the pod.
    out = kubesim_exec(ns, "full", "/usr/bin/python3", "-c", (
        "import os, ssl, urllib.request, json\n"
        "d = '/var/run/secrets/kubernetes.io/serviceaccount/'\n"
        "ctx = ssl.create_default_context(cafile=d + 'ca.crt')\n"
        "url = 'https://kubernetes.default.svc:%s/api/v1/namespaces/%s/pods/full' % ("
        "os.environ['KUBERNETES_SERVICE_PORT'], open(d + 'namespace').read())\n"
        "req = urllib.request.Request(url, headers={'Authorization': 'Bearer ' + open(d + 'token').read()})\n"
        "print(json.load(urllib.request.urlopen(req, context=ctx))['metadata']['name'])")).stdout
    assert out.strip() == "full"
    # The sidecar keeps running next to the main container.
    first = kubesim_exec(ns, "full", "cat", "/work/sidecar.txt", container="sidecar").stdout
    assert wait_for("sidecar writes", lambda: kubesim_exec(ns, "full", "cat", "/work/sidecar.txt").stdout != first, 10)
    assert kubectl("-n", ns, "logs", "full", "-c", "main").stdout.strip() == "from-init"
    # A main container that exits is restarted (restartPolicy Always).
    # (No PID namespace: kill the container's own process by the pid kubesim records.)
    os.kill(support.container_pid(ns, "full", "main"), signal.SIGKILL)
    wait_for("restartCount 1", lambda: (get(ns, "pod", "full")["status"]["containerStatuses"][0]["restartCount"] == 1), 30)
    wait_for("ready again", lambda: ready_pods(ns, "t=full").get("full"), 30)
    assert kubectl("-n", ns, "logs", "full", "-c", "main", "--previous").stdout.strip() == "from-init"
    events = kubectl("-n", ns, "get", "events").stdout
    assert "Scheduled" in events


def test_deployment_creates_and_replaces_pods(ns):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"terminationGracePeriodSeconds": 1,
                                          "containers": [{"name": "web", "image": "busybox",
                                                          "command": ["sh", "-c", "exec sleep 1000"]}]}}}}
    apply(ns, dep)
    kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=30s", timeout=40)
    names = set(ready_pods(ns, "app=web"))
    assert len(names) == 2 and all(n.startswith("web-") and len(n.split("-")) == 3 for n in names)
    kubectl("-n", ns, "set", "env", "deployment/web", "X=1")
    kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=30s", timeout=40)
    wait_for("old pods gone", lambda: len(get(ns, "pods", selector="app=web")["items"]) == 2
             and not names & {p["metadata"]["name"] for p in get(ns, "pods", selector="app=web")["items"]})


def test_pod_stuck_in_init_is_deleted_promptly(ns):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "initwait"},
           "spec": {"terminationGracePeriodSeconds": 2,
                    "initContainers": [{"name": "wait", "image": "busybox", "command": ["sleep", "1000"]}],
                    "containers": [{"name": "main", "image": "busybox", "command": ["sleep", "1000"]}]}}
    apply(ns, pod)
    wait_for("init running", lambda: (get(ns, "pod", "initwait")["status"].get("initContainerStatuses") or [{}])[0]
             .get("state", {}).get("running"))
    assert "Init:0/1" in kubectl("-n", ns, "get", "pod", "initwait").stdout
    t0 = time.monotonic()
    kubectl("-n", ns, "delete", "pod", "initwait", timeout=30)
    assert time.monotonic() - t0 < 8


def test_run_once_pods_end_succeeded_or_failed(ns):
    def pod(name, code):
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"restartPolicy": "Never",
                         "containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", f"echo bye; exit {code}"]}]}}
    apply(ns, pod("ok", 0), pod("bad", 3))
    wait_for("ok Succeeded", lambda: get(ns, "pod", "ok")["status"]["phase"] == "Succeeded")
    wait_for("bad Failed", lambda: get(ns, "pod", "bad")["status"]["phase"] == "Failed")
    assert get(ns, "pod", "bad")["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    assert kubectl("-n", ns, "logs", "bad").stdout == "bye\n"
    assert "Completed" in kubectl("-n", ns, "get", "pod", "ok").stdout
    kubectl("-n", ns, "run", "once", "--image=busybox", "--restart=Never", "--env=WHO=kubesim", "--",
            "sh", "-c", "echo hello $WHO")
    wait_for("kubectl run pod Succeeded", lambda: get(ns, "pod", "once")["status"]["phase"] == "Succeeded")
    assert kubectl("-n", ns, "logs", "once").stdout == "hello kubesim\n"
