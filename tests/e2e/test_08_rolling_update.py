"""Issue 7, test 6: a rolling update (a pod template change, `kubectl rollout restart`) replaces
every pod under client load and loses no acknowledged write."""
import time

import cluster
import kube


def test_rolling_update_replaces_every_pod_without_losing_writes(story):
    story.wait_healthy(3)
    before = {n: p["metadata"]["uid"] for n, p in kube.pods(story.ns, story.selector).items()}
    load = cluster.Load(story.any_ip(), story.book, "load-rolling")
    load.start()
    try:
        start = time.monotonic()
        kube.kubectl("-n", story.ns, "rollout", "restart", "statefulset/redis")
        kube.kubectl("-n", story.ns, "rollout", "status", "statefulset/redis", "--timeout=600s",
                     timeout=620)
        after = {n: p["metadata"]["uid"] for n, p in kube.pods(story.ns, story.selector).items()}
        assert sorted(after) == sorted(before)
        kept = [n for n in before if before[n] == after[n]]
        assert not kept, f"pods not replaced: {kept}"
        story.wait_healthy(3, timeout=150)
        took = time.monotonic() - start
    finally:
        load.stop()
    print(f"rolling update of 6 pods: {took:.1f} s; " + load.summary() +
          " (errors while a master hands over are allowed, lost writes are not)")
    if load.failures:
        print("\n".join(load.failures[:20]))
    assert load.ops > 0
    assert not load.wrong_reads, load.wrong_reads[:10]
    story.assert_every_key()
