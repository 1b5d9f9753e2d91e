"""Runs the whole pytest session inside kubesim-run (one kubesim per session; each test gets its
own namespace, deleted afterwards). `python3 -m pytest tests/kubesim/tests` re-executes itself
under kubesim-run when it is not already inside one."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/kubesim: kubesim_fixture
sys.path.insert(0, HERE)

import kubesim_fixture  # noqa: E402
import support  # noqa: E402


def pytest_configure(config):
    kubesim_fixture.run_session_inside_kubesim(config, [
        kubesim_fixture.KUBESIM_RUN, "--bin-dir", os.path.join(HERE, "fakebin"), "--",
        "/usr/bin/python3", "-m", "pytest", *sys.argv[1:]])


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
