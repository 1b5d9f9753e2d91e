"""The end of the story: `kubectl delete -k deploy/example/` removes the cluster. Every pod leaves
at once, so there is nothing to hand over to: the pods should be gone in seconds, not after the
300 s grace period the webhook sets (FINDINGS.md 4)."""
import pytest

import kube


@pytest.mark.xfail(strict=True, reason="FINDINGS.md 4: the preStop hand-shake waits out the grace "
                   "period when the StatefulSet is gone (agent)")
def test_deleting_the_statefulset_stops_its_pods_promptly(story):
    try:
        kube.kubectl("delete", "-k", "deploy/example/", "--wait=false")
        kube.wait_for("every redis-demo pod gone", lambda: not kube.pods(story.ns, story.selector),
                      timeout=45)
    finally:
        # Whatever the outcome, free the CPU for the next tests (kubesim does not shorten a
        # running termination yet: FINDINGS.md 5; harmless when it does nothing).
        kube.kubectl("-n", story.ns, "delete", "pods", "--all", "--force", "--grace-period=0",
                     "--wait=false", check=False)
