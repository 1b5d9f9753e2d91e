"""Capacity: a dozen pods with several containers each come up quickly on 2 cores."""
import time

from support import apply, kubectl, ready_pods, wait_for


def test_twelve_pods_with_four_containers_each(ns):
    sleeper = {"image": "busybox", "command": ["sh", "-c", "exec sleep 1000"]}
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "big"},
           "spec": {"replicas": 12, "serviceName": "big", "podManagementPolicy": "Parallel",
                    "selector": {"matchLabels": {"app": "big"}},
                    "template": {"metadata": {"labels": {"app": "big"}}, "spec": {
                        "terminationGracePeriodSeconds": 2,
                        "volumes": [{"name": "conf", "emptyDir": {}}],
                        "initContainers": [
                            {"name": "init", "image": "busybox", "command": ["sh", "-c", "echo port 6379 > /conf/r.conf"],
                             "volumeMounts": [{"name": "conf", "mountPath": "/conf"}]},
                            dict(sleeper, name="sidecar", restartPolicy="Always")],
                        "containers": [
                            {"name": "redis", "image": "redis:7", "command": ["redis-server", "/conf/r.conf"],
                             "volumeMounts": [{"name": "conf", "mountPath": "/conf"}],
                             "readinessProbe": {"exec": {"command": ["redis-cli", "ping"]}, "periodSeconds": 1}},
                            dict(sleeper, name="other")]}}}}
    t0 = time.monotonic()
    apply(ns, sts)
    wait_for("12 ready pods", lambda: len(ready_pods(ns, "app=big")) == 12, timeout=90, interval=0.5)
    elapsed = time.monotonic() - t0
    assert elapsed < 60, elapsed
    ips = {p["status"]["podIP"] for p in ready_pods(ns, "app=big").values()}
    assert len(ips) == 12
    kubectl("-n", ns, "delete", "statefulset", "big")
