"""Issue 7, test 4: `kubectl scale` back to 6: the leaving pods are drained first, every key is
still there, and each master is back to one slot range holding its share of the keys."""
import glob
import os
import time

import cluster
import kube


def test_scale_to_six_drains_first(story):
    story.wait_healthy(4, timeout=300)
    leaving = {name: ip for name, ip in story.ips().items() if name in ("redis-6", "redis-7")}
    assert len(leaving) == 2, leaving
    load = cluster.Load(story.ips()["redis-0"], story.book, "load-scale-in")
    load.start()
    try:
        start = time.monotonic()
        story.scale(6)
        story.masters = 3
        kube.wait_for("redis-6 and redis-7 gone",
                      lambda: not set(kube.pods(story.ns, story.selector)) & set(leaving), timeout=300)
        story.wait_healthy(3, timeout=300)
        took = time.monotonic() - start
    finally:
        load.stop()
    print(f"scale 8 -> 6: balanced 3 masters {took:.1f} s after kubectl scale; "
          + load.summary())
    assert load.ops > 0
    assert not load.failures, f"{len(load.failures)} failed operations:\n" + "\n".join(load.failures[:20])
    assert not load.wrong_reads, load.wrong_reads[:10]
    story.assert_every_key()
    shape = cluster.assert_data_balanced(story.ips(), 3, max_ranges=1)
    print("scale 8 -> 6: keys and slot ranges per master: " + ", ".join(
        f"{ip} keys={k} ranges={r}" for ip, (k, r) in sorted(shape.items())))


def test_leaving_pods_said_they_were_drained(story):
    """The coordinator (redis-0) drained the leaving master's slots before it removed the
    leaving nodes, and said so in its log."""
    lines = kube.logs(story.ns, "redis-0", "redis-cluster-agent").splitlines()
    drain = [i for i, l in enumerate(lines) if "draining leaving master(s)" in l
             and ("redis-6" in l or "redis-7" in l)]
    remove = [i for i, l in enumerate(lines) if "removing drained leaving node(s)" in l]
    assert drain, "no drain line in the coordinator's log:\n" + "\n".join(lines[-60:])
    assert remove, "no removal line in the coordinator's log:\n" + "\n".join(lines[-60:])
    assert drain[0] < remove[-1], "\n".join(lines[-60:])
    removed = " ".join(lines[i] for i in remove)
    assert "redis-6" in removed and "redis-7" in removed, removed


def test_leaving_pods_let_redis_stop_only_when_drained(story):
    """Each leaving pod's own agent answered its preStop hook only once its node was drained and
    forgotten. (Their pods are gone, so `kubectl logs` cannot show them any more: read the
    container logs kubesim keeps on disk.)"""
    for pod in ("redis-6", "redis-7"):
        files = glob.glob(os.path.join(kube.STATE_DIR, "logs", f"{story.ns}_{pod}_*",
                                       "redis-cluster-agent", "*.log"))
        assert files, f"no agent log kept for {pod}"
        text = "".join(open(f, errors="replace").read() for f in files)
        assert f"pod {pod} leaves for good (spec.replicas 6): drained and forgotten, redis may stop" in text, \
            text[-2000:]
        assert "restarts as a master" not in text and "stopping anyway" not in text, text[-2000:]
