"""Issue 7, test 7: an unlabelled StatefulSet is left exactly as written (the webhook installed)."""
import copy
import json

import kube

NS = "plain-redis"


def written():
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "plain", "namespace": NS, "labels": {"app": "plain"}},
            "spec": {"replicas": 1, "serviceName": "plain", "podManagementPolicy": "OrderedReady",
                     "selector": {"matchLabels": {"app": "plain"}},
                     "template": {"metadata": {"labels": {"app": "plain"}},
                                  "spec": {"terminationGracePeriodSeconds": 5,
                                           "containers": [{"name": "redis", "image": kube.REDIS_IMAGE,
                                                           "ports": [{"containerPort": 6379}]}]}}}}


def test_unlabelled_statefulset_is_left_as_written(install):
    kube.kubectl("create", "namespace", NS)
    try:
        sts = written()
        p = kube.kubectl("apply", "-f", "-", input=json.dumps(sts))
        assert "Warning" not in p.stderr, p.stderr
        stored = kube.get_json(NS, "statefulset", "plain")
        want = copy.deepcopy(sts["spec"]["template"])
        got = stored["spec"]["template"]
        # Only what the API server itself defaults may differ (none of it the webhook's doing),
        # and only with the API server's default values.
        defaults = {"imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File"}
        for c, w in zip(got["spec"].get("containers", []), want["spec"]["containers"]):
            for field, value in defaults.items():
                if field not in w and c.get(field) == value:
                    del c[field]
            for port in c.get("ports", []):
                if port.get("protocol") == "TCP":
                    del port["protocol"]
        for field in ("restartPolicy", "dnsPolicy", "schedulerName", "securityContext"):
            if field not in want["spec"]:
                got["spec"].pop(field, None)
        if "creationTimestamp" not in want.get("metadata", {}):
            got.get("metadata", {}).pop("creationTimestamp", None)
        assert got == want, json.dumps(got, indent=1)
        assert stored["metadata"].get("labels") == {"app": "plain"}
        assert "redis-cluster.io" not in json.dumps(stored["metadata"].get("annotations", {}))
        assert stored["spec"]["podManagementPolicy"] == "OrderedReady"
        assert not stored["spec"].get("volumeClaimTemplates")
        kube.kubectl("-n", NS, "rollout", "status", "statefulset/plain", "--timeout=120s", timeout=150)
        pod = kube.get_json(NS, "pod", "plain-0")
        assert [c["name"] for c in pod["spec"]["containers"]] == ["redis"]
        assert not pod["spec"].get("initContainers")
    finally:
        kube.kubectl("delete", "namespace", NS, "--wait=false", check=False)
