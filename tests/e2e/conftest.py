"""The e2e story on one kubesim per pytest session. The tests run in file order against the same
install and the same example StatefulSet (install -> 6 pods -> scale 8 -> scale 6 -> ...); each
story test first waits for the healthy state the previous one left, so a failure is reported
where it happens and does not hide the later steps.

`python3 -m pytest tests/e2e` re-executes itself under tests/e2e/run-e2e.sh (E2E_BUILD_DIR,
default build/) when it is not already inside kubesim-run."""
import os
import shutil
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kubesim"))  # kubesim_fixture
sys.path.insert(0, HERE)

import cluster  # noqa: E402
import kube  # noqa: E402
import kubesim_fixture  # noqa: E402


def pytest_configure(config):
    build = os.environ.get("E2E_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
    args = [a for a in sys.argv[1:] if os.path.abspath(a) != HERE]
    kubesim_fixture.run_session_inside_kubesim(config, [os.path.join(HERE, "run-e2e.sh"), build, *args])

DEMO_NS = "redis-demo"
SELECTOR = "app=redis"
WEBHOOK_NS = "redis-cluster-system"


class Install:
    def __init__(self, certs_dir):
        self.certs_dir = certs_dir
        self.ca = os.path.join(certs_dir, "ca.crt")


@pytest.fixture(scope="session")
def install():
    """certs/make-certs.sh OUT; kubectl apply -k OUT; the webhook Deployment rolled out."""
    certs = os.path.join(kube.STATE_DIR, "webhook-certs")
    shutil.rmtree(certs, ignore_errors=True)
    p = subprocess.run([os.path.join(kube.REPO, "certs", "make-certs.sh"), certs],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"certs/make-certs.sh failed:\n{p.stdout}\n{p.stderr}"
    kube.kubectl("apply", "-k", certs)
    kube.kubectl("-n", WEBHOOK_NS, "rollout", "status", "deployment/redis-cluster-webhook",
                 "--timeout=120s", timeout=150)
    return Install(certs)


class Story:
    """The example StatefulSet `redis` in redis-demo and every key acknowledged so far."""

    def __init__(self):
        self.ns = DEMO_NS
        self.selector = SELECTOR
        self.book = cluster.KeyBook()
        self.masters = 3

    def ips(self):
        return kube.ready_pod_ips(self.ns, self.selector)

    def any_ip(self):
        return next(iter(sorted(self.ips().items())))[1]

    def wait_healthy(self, masters=None, timeout=240):
        return cluster.wait_healthy(self.ns, self.selector, masters or self.masters, 1,
                                    timeout=timeout)

    def client(self):
        return cluster.cluster_client(self.any_ip())

    def assert_every_key(self):
        """Every acknowledged key reads back with its value through the cluster client."""
        c = self.client()
        try:
            missing = self.book.missing(c)
        finally:
            c.close()
        assert not missing, f"{len(missing)} of {len(self.book.values)} keys lost, e.g. {missing[:5]}"

    def scale(self, replicas):
        kube.kubectl("-n", self.ns, "scale", "statefulset/redis", f"--replicas={replicas}")


def example_dir(overlay):
    """deploy/example/, or with E2E_REDIS_IMAGE an overlay of it in `overlay` that sets the redis
    image the way a user would (kustomize `images`)."""
    if kube.REDIS_IMAGE == kube.EXAMPLE_IMAGE:
        return "deploy/example/"
    name, _, tag = kube.REDIS_IMAGE.rpartition(":")
    base = os.path.relpath(os.path.join(kube.REPO, "deploy", "example"), overlay)
    with open(os.path.join(overlay, "kustomization.yaml"), "w") as f:
        f.write(f"resources:\n- {base}\nimages:\n- name: redis\n  newName: {name}\n"
                f"  newTag: \"{tag}\"\n")
    return str(overlay)


@pytest.fixture(scope="session")
def story(install, tmp_path_factory):
    """kubectl apply -k deploy/example/ (the labelled StatefulSet of 6) and its healthy cluster."""
    kube.kubectl("apply", "-k", example_dir(tmp_path_factory.mktemp("example")))
    s = Story()
    s.started = time.monotonic()
    s.wait_healthy(3, timeout=300)
    s.formed_after = time.monotonic() - s.started
    return s
