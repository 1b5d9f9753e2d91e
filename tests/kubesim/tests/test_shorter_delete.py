"""A pod already Terminating (its preStop hangs): a later delete with a smaller grace period
shortens the termination, and `--force --grace-period=0` removes the API object at once, as the
real API server does (FINDINGS #5 in tests/e2e)."""
import datetime
import os
import time

import pytest

import support
from support import apply, get, kubectl, prestop_pod, process_gone, ready_pods, wait_for

# The hook records its pid (exec keeps it: the pid is the sleep's) and hangs.
HANGING_PRESTOP = "echo $$ > /marker/prestop.pid; exec sleep 600"


def _terminating_with_hanging_prestop(ns, marker, name, grace=120):
    """Starts the pod, deletes it (grace `grace`, not waiting) and returns (container pid, hook
    pid) once its preStop hook is running."""
    apply(ns, prestop_pod(name, marker, HANGING_PRESTOP, grace))
    wait_for("pod ready", lambda: name in ready_pods(ns, f"t={name}"))
    container = support.container_pid(ns, name, "main")
    kubectl("-n", ns, "delete", "pod", name, "--wait=false")
    pid_file = os.path.join(marker, "prestop.pid")
    hook = int(wait_for("preStop hook running",
                        lambda: os.path.exists(pid_file) and open(pid_file).read().strip(), timeout=30))
    pod = get(ns, "pod", name)
    assert pod["metadata"].get("deletionTimestamp") and pod["metadata"]["deletionGracePeriodSeconds"] == grace
    assert not process_gone(container) and not process_gone(hook)
    return container, hook


def _deletion(ns, name):
    """(deletionGracePeriodSeconds, deletionTimestamp as a datetime) of a pod."""
    md = get(ns, "pod", name)["metadata"]
    return md.get("deletionGracePeriodSeconds"), datetime.datetime.strptime(md["deletionTimestamp"],
                                                                            "%Y-%m-%dT%H:%M:%SZ")


def test_a_shorter_grace_period_shortens_a_running_termination(ns, tmp_path):
    marker = str(tmp_path)
    container, hook = _terminating_with_hanging_prestop(ns, marker, "shorten")
    # A longer grace period changes nothing (the API server only shortens).
    first = _deletion(ns, "shorten")
    kubectl("-n", ns, "delete", "pod", "shorten", "--grace-period=300", "--wait=false")
    assert _deletion(ns, "shorten") == first and first[0] == 120
    # A shorter one is stored (deletionTimestamp, when the pod is due to go, moves 90 s earlier);
    # the pod keeps terminating with its new deadline.
    kubectl("-n", ns, "delete", "pod", "shorten", "--grace-period=30", "--wait=false")
    assert _deletion(ns, "shorten") == (30, first[1] - datetime.timedelta(seconds=90))
    assert not process_gone(container) and not process_gone(hook)
    # --grace-period=1 cuts the hanging preStop (and the container) off: the pod is gone in a moment.
    t0 = time.monotonic()
    kubectl("-n", ns, "delete", "pod", "shorten", "--grace-period=1", timeout=60)
    elapsed = time.monotonic() - t0
    assert get(ns, "pod", "shorten") is None
    assert elapsed < 8, f"the pod took {elapsed:.1f} s to go after --grace-period=1 (its first grace was 120 s)"
    wait_for("the container and the preStop hook ended", lambda: process_gone(container) and process_gone(hook),
             timeout=5)


@pytest.mark.parametrize("already_terminating", [True, False], ids=["terminating", "running"])
def test_force_delete_removes_the_pod_at_once_and_kills_it(ns, tmp_path, already_terminating):
    marker = str(tmp_path)
    if already_terminating:
        container, hook = _terminating_with_hanging_prestop(ns, marker, "forced")
    else:
        apply(ns, prestop_pod("forced", marker, HANGING_PRESTOP, 120))
        wait_for("pod ready", lambda: "forced" in ready_pods(ns, "t=forced"))
        container, hook = support.container_pid(ns, "forced", "main"), None
    p = kubectl("-n", ns, "delete", "pod", "forced", "--force", "--grace-period=0", timeout=30)
    assert "forced" in p.stdout, p.stdout
    # Gone from the API at once: the very next read says NotFound.
    p = kubectl("-n", ns, "get", "pod", "forced", check=False)
    assert p.returncode != 0 and "NotFound" in p.stderr, (p.stdout, p.stderr)
    # The kubelet kills the processes without waiting for a grace period.
    wait_for("the pod's processes killed", lambda: process_gone(container) and (hook is None or process_gone(hook)),
             timeout=5)
