"""Issue 13: the example with `redis-cluster.io/tls-secret`: a TLS-only cluster (port 0) forms,
scales 6 -> 8 -> 6 with data (the moves run MIGRATE over the servers' TLS), keeps every key, and
`redis-cli --tls --cluster check` passes; a plain-text client is refused. The certificates are
made here with openssl, as cert-manager would write the Secret."""
import os
import subprocess
import tempfile

import pytest
import redis
import yaml

import cluster
import kube

NS = "redis-tls"
SELECTOR = "app=redis"


def manifests():
    return kube.example_manifests(NS, {"redis-cluster.io/tls-secret": "redis-tls"})


def make_certs(dir_):
    """A CA and one certificate for every pod (server and client use), like a cert-manager
    Certificate with the headless Service's wildcard name."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=dir_)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=e2e redis CA")
    with open(os.path.join(dir_, "ext.cnf"), "w") as f:
        f.write(f"subjectAltName=DNS:*.redis.{NS}.svc.cluster.local,DNS:*.redis.{NS}.svc\n"
                "extendedKeyUsage=serverAuth,clientAuth\n")
    run("req", *ec, "-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=redis")
    run("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "tls.crt", "-days", "2", "-extfile", "ext.cnf")
    return {name: os.path.join(dir_, name) for name in ("ca.crt", "tls.crt", "tls.key")}


def test_tls_cluster_story(install):
    if kube.redis_version() < (6, 0):
        pytest.skip(f"TLS needs Redis >= 6.0; E2E_REDIS_IMAGE is {kube.REDIS_IMAGE}")
    with tempfile.TemporaryDirectory() as tmp:
        files = make_certs(tmp)
        kube.kubectl("create", "namespace", NS)
        kube.kubectl("-n", NS, "create", "secret", "generic", "redis-tls", "--type=kubernetes.io/tls",
                     *[f"--from-file={name}={path}" for name, path in files.items()])
        kube.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(manifests()))
        with cluster.use_tls(files["ca.crt"]):
            ips = cluster.wait_healthy(NS, SELECTOR, 3, 1, timeout=300)

            plain = redis.Redis(host=next(iter(ips.values())), port=6379, socket_timeout=2,
                                socket_connect_timeout=2)
            try:
                plain.ping()
                raise AssertionError("redis answered a plain-text client")
            except redis.ConnectionError:
                pass

            book = cluster.KeyBook()
            client = cluster.cluster_client(next(iter(ips.values())))
            book.write(client, "tls", 5000)
            client.close()

            kube.kubectl("-n", NS, "scale", "statefulset/redis", "--replicas=8")
            ips = cluster.wait_healthy(NS, SELECTOR, 4, 1, timeout=300)
            cluster.assert_data_balanced(ips, 4, max_ranges=4)
            kube.kubectl("-n", NS, "scale", "statefulset/redis", "--replicas=6")
            ips = cluster.wait_healthy(NS, SELECTOR, 3, 1, timeout=300)

            client = cluster.cluster_client(next(iter(ips.values())))
            missing = book.missing(client)
            client.close()
            assert not missing, f"{len(missing)} keys lost, e.g. {missing[:5]}"
        log = kube.logs(NS, "redis-0", "redis-cluster-agent")
        assert "redis over TLS" in log, log[-2000:]
        kube.kubectl("delete", "namespace", NS, "--wait=false", check=False)
