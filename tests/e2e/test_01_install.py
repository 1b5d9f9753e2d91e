"""Issue 7, test 1: install from deploy/ with certificates from certs/; the webhook serves through
its Service name with TLS verified against the CA that make-certs.sh made."""
import base64
import json
import os
import socket
import ssl
import subprocess

import pytest

import kube
from conftest import WEBHOOK_NS

SERVICE_HOST = "redis-cluster-webhook.redis-cluster-system.svc"


def webhook_pod_ips():
    return kube.ready_pod_ips(WEBHOOK_NS, "app.kubernetes.io/name=redis-cluster-webhook")


def tls_get(address, server_name, cafile, path="/healthz"):
    """GET https://server_name:8443/path at address (IP or name), the certificate verified
    against cafile."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((address, 8443), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_name) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    return data.decode(errors="replace")


def test_install_rolls_out_two_webhook_replicas(install):
    deploy = kube.get_json(WEBHOOK_NS, "deployment", "redis-cluster-webhook")
    assert deploy["status"].get("readyReplicas") == 2, deploy["status"]
    config = kube.get_json(None, "mutatingwebhookconfiguration", "redis-cluster-webhook")
    bundle = base64.b64decode(config["webhooks"][0]["clientConfig"]["caBundle"]).decode()
    with open(install.ca) as f:
        assert bundle.strip() == f.read().strip(), "caBundle is not the CA made by certs/make-certs.sh"
    assert config["webhooks"][0]["clientConfig"]["service"]["name"] == "redis-cluster-webhook"


def test_webhook_serves_its_service_name_with_verified_tls(install):
    ips = webhook_pod_ips()
    assert len(ips) == 2, ips
    # The Service name resolves (cluster DNS) to the webhook pods, and each serves it over TLS
    # with a certificate the CA of certs/make-certs.sh vouches for.
    fqdn = SERVICE_HOST + ".cluster.local"
    resolved = {a[4][0] for a in socket.getaddrinfo(fqdn, 8443, socket.AF_INET, socket.SOCK_STREAM)}
    assert resolved == set(ips.values()), (resolved, ips)
    reply = tls_get(fqdn, SERVICE_HOST, install.ca)
    assert reply.startswith("HTTP/1.1 200"), reply[:200]
    for pod, ip in ips.items():
        reply = tls_get(ip, SERVICE_HOST, install.ca)
        assert reply.startswith("HTTP/1.1 200"), f"{pod}: {reply[:200]}"


def test_webhook_certificate_fails_against_another_ca_or_name(install, tmp_path):
    ip = next(iter(webhook_pod_ips().values()))
    other = tmp_path / "other"
    p = subprocess.run([os.path.join(kube.REPO, "certs", "make-certs.sh"), str(other)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_get(ip, SERVICE_HOST, str(other / "ca.crt"))
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_get(ip, "redis-cluster-webhook.elsewhere.svc", install.ca)


def test_api_server_calls_the_webhook_through_the_service(install):
    """A labelled StatefulSet created with --dry-run=server comes back mutated: the API server
    reached the webhook by its Service name and verified its certificate against caBundle."""
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": {"name": "probe", "namespace": "default", "labels": {"redis-cluster": "managed"}},
           "spec": {"replicas": 6, "serviceName": "probe", "selector": {"matchLabels": {"app": "probe"}},
                    "template": {"metadata": {"labels": {"app": "probe"}},
                                 "spec": {"containers": [{"name": "redis", "image": kube.REDIS_IMAGE}]}}}}
    p = kube.kubectl("create", "--dry-run=server", "-o", "json", "-f", "-", input=json.dumps(sts))
    out = json.loads(p.stdout)
    names = [c["name"] for c in out["spec"]["template"]["spec"].get("initContainers", [])]
    assert "redis-cluster-agent" in names, names
    assert kube.get_json("default", "statefulset", "probe") is None, "dry run stored the object"
