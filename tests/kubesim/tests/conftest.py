"""Runs the whole pytest session inside kubesim-run (one kubesim per session; each test gets its
own namespace, deleted afterwards). `python3 -m pytest tests/kubesim/tests` re-executes itself
under kubesim-run when it is not already inside one."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
KUBESIM_RUN = os.path.join(os.path.dirname(HERE), "kubesim-run")


def pytest_configure(config):
    if "KUBESIM_STATE_DIR" not in os.environ:
        capman = config.pluginmanager.getplugin("capturemanager")
        if capman:
            capman.stop_global_capturing()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(KUBESIM_RUN, [KUBESIM_RUN, "--bin-dir", os.path.join(HERE, "fakebin"), "--",
                               "/usr/bin/python3", "-m", "pytest", *sys.argv[1:]])


import support  # noqa: E402


_deleted = []


@pytest.fixture(scope="session", autouse=True)
def _namespaces_gone():
    """At the end of the session every test namespace's pods must be gone (terminated by pid)."""
    yield
    for name in _deleted:
        support.wait_for(f"pods of namespace {name} to be gone",
                         lambda: not (support.get(name, "pods") or {}).get("items"), timeout=60)


@pytest.fixture
def ns(request):
    """A fresh namespace for one test; deleted afterwards (the next test does not wait for its
    pods to terminate; the session does, at the end)."""
    name = support.unique_namespace(request.node.name)
    support.kubectl("create", "namespace", name)
    yield name
    support.kubectl("delete", "namespace", name, "--wait=false", check=False)
    _deleted.append(name)
