"""The end of the story: `kubectl delete -k deploy/example/` removes the cluster. Every pod leaves
at once, so there is nothing to hand over to: the pods should be gone in seconds, not after the
300 s grace period the webhook sets (FINDINGS.md 4, fixed: the preStop hand-shake answers
at once when the StatefulSet is gone or being deleted)."""
import time

import kube


def test_deleting_the_statefulset_stops_its_pods_promptly(story):
    start = time.monotonic()
    try:
        # --ignore-not-found: kubesim removes a namespace's objects at once with the namespace
        # (the real API server does it in the background), so the later deletes 404.
        kube.kubectl("delete", "-k", "deploy/example/", "--wait=false", "--ignore-not-found")
        kube.wait_for("every redis-demo pod gone", lambda: not kube.pods(story.ns, story.selector),
                      timeout=45)
        print(f"every pod gone {time.monotonic() - start:.1f} s after kubectl delete")
    finally:
        # Whatever the outcome, free the CPU for the next tests (a forced delete cuts a
        # termination short; harmless when the pods are gone already).
        kube.kubectl("-n", story.ns, "delete", "pods", "--all", "--force", "--grace-period=0",
                     "--wait=false", check=False)
