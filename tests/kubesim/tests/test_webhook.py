"""Mutating admission webhooks called like kube-apiserver calls them."""
import base64
import os
import sys

from support import apply, get, kubectl, ready_pods, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from kubesim import certs  # noqa: E402


def _b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def _webhook_config(name, ns, service, ca_b64, failure_policy, label):
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": name},
            "webhooks": [{"name": f"{name}.kubesim.test", "admissionReviewVersions": ["v1"], "sideEffects": "None",
                          "failurePolicy": failure_policy, "timeoutSeconds": 5,
                          "clientConfig": {"service": {"name": service, "namespace": ns, "path": "/mutate", "port": 443},
                                           "caBundle": ca_b64},
                          "objectSelector": {"matchLabels": {label: "yes"}},
                          "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}},
                          "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": [""], "apiVersions": ["v1"],
                                     "resources": ["configmaps"]}]}]}


def _cm(name, labels):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}


def test_webhook_called_over_verified_tls_and_patch_applied(ns, tmp_path):
    ca_key, ca_crt = certs.make_ca(str(tmp_path))
    key, crt = certs.make_serving_cert(str(tmp_path), "hook", ca_key, ca_crt, [f"hook.{ns}.svc"], [])
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hook-tls"}, "type": "kubernetes.io/tls",
              "data": {"tls.crt": _b64(crt), "tls.key": _b64(key)}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hook", "labels": {"app": "hook"}},
           "spec": {"terminationGracePeriodSeconds": 1,
                    "volumes": [{"name": "tls", "secret": {"secretName": "hook-tls"}}],
                    "containers": [{"name": "hook", "image": "busybox",
                                    "command": ["/usr/bin/python3", os.path.join(HERE, "webhook_server.py"),
                                                "--cert", "/tls/tls.crt", "--key", "/tls/tls.key"],
                                    "ports": [{"name": "https", "containerPort": 8443}],
                                    "volumeMounts": [{"name": "tls", "mountPath": "/tls"}],
                                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": "https",
                                                                   "scheme": "HTTPS"}, "periodSeconds": 1}}]}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "hook"},
           "spec": {"selector": {"app": "hook"}, "ports": [{"port": 443, "targetPort": "https"}]}}
    apply(ns, secret, pod, svc)
    wait_for("webhook pod ready", lambda: ready_pods(ns, "app=hook"))
    apply(ns, _webhook_config(f"{ns}-good", ns, "hook", _b64(ca_crt), "Fail", "hooked"))

    p = apply(ns, _cm("mutated", {"hooked": "yes"}))
    assert 'Warning: test webhook saw CREATE of mutated' in p.stderr
    assert get(ns, "configmap", "mutated")["metadata"]["annotations"]["test-webhook/seen"] == "CREATE"
    p = kubectl("-n", ns, "label", "configmap", "mutated", "extra=1")
    assert "test webhook saw UPDATE" in p.stderr
    assert get(ns, "configmap", "mutated")["metadata"]["annotations"]["test-webhook/seen"] == "UPDATE"
    # Not selected: no call, no annotation.
    apply(ns, _cm("plain", {}))
    assert "test-webhook/seen" not in (get(ns, "configmap", "plain")["metadata"].get("annotations") or {})
    # A denial is the request's error.
    p = kubectl("-n", ns, "apply", "-f", "-", check=False,
                input=__import__("yaml").safe_dump(_cm("denied", {"hooked": "yes", "deny": "true"})))
    assert p.returncode != 0
    assert 'admission webhook "' + f'{ns}-good.kubesim.test" denied the request: deny=true is not allowed here' in p.stderr
    assert get(ns, "configmap", "denied") is None
    # A caBundle that did not sign the serving certificate: TLS verification fails the call.
    other = tmp_path / "other"
    other.mkdir()
    _, other_ca = certs.make_ca(str(other), name="other-ca")
    apply(ns, _webhook_config(f"{ns}-good", ns, "hook", _b64(other_ca), "Fail", "hooked"))
    p = kubectl("-n", ns, "apply", "-f", "-", check=False,
                input=__import__("yaml").safe_dump(_cm("unverified", {"hooked": "yes"})))
    assert p.returncode != 0 and "failed to verify certificate" in p.stderr, p.stderr
    kubectl("delete", "mutatingwebhookconfiguration", f"{ns}-good")


def test_fail_policy_with_webhook_down_rejects_and_ignore_proceeds(ns, tmp_path):
    ca_key, ca_crt = certs.make_ca(str(tmp_path))
    apply(ns, _webhook_config(f"{ns}-down", ns, "nobody-home", _b64(ca_crt), "Fail", "strict"),
          _webhook_config(f"{ns}-lax", ns, "nobody-home", _b64(ca_crt), "Ignore", "lax"))
    try:
        p = kubectl("-n", ns, "apply", "-f", "-", check=False,
                    input=__import__("yaml").safe_dump(_cm("blocked", {"strict": "yes"})))
        assert p.returncode != 0
        assert f'Internal error occurred: failed calling webhook "{ns}-down.kubesim.test"' in p.stderr
        assert 'no endpoints available for service "nobody-home"' in p.stderr
        assert get(ns, "configmap", "blocked") is None
        apply(ns, _cm("allowed", {"lax": "yes"}))
        assert get(ns, "configmap", "allowed") is not None
    finally:
        kubectl("delete", "mutatingwebhookconfiguration", f"{ns}-down", f"{ns}-lax", check=False)


def test_url_webhook_that_never_answers_times_out(ns, tmp_path):
    import socket
    import time
    import yaml
    _, ca_crt = certs.make_ca(str(tmp_path))
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (kernel backlog) but never speaks TLS
    cfg = _webhook_config(f"{ns}-slow", ns, "unused", _b64(ca_crt), "Fail", "slow")
    hook = cfg["webhooks"][0]
    hook["timeoutSeconds"] = 1
    hook["clientConfig"] = {"url": f"https://127.0.0.1:{silent.getsockname()[1]}/mutate", "caBundle": _b64(ca_crt)}
    apply(ns, cfg)
    try:
        t0 = time.monotonic()
        p = kubectl("-n", ns, "apply", "-f", "-", check=False, input=yaml.safe_dump(_cm("slow", {"slow": "yes"})))
        assert p.returncode != 0 and "context deadline exceeded" in p.stderr, p.stderr
        assert time.monotonic() - t0 < 8
    finally:
        kubectl("delete", "mutatingwebhookconfiguration", f"{ns}-slow", check=False)
        silent.close()
