"""Issue 7, test 3: `kubectl scale` to 8 under client load: 4 balanced masters, no failed
operation, no lost write; each master holds its share of the keys in at most 3 slot ranges.
Issue 14: the StatefulSet's redis-cluster.io/status annotation then says so, without exec."""
import time

import cluster
import kube

KEYS = 20000


def test_scale_to_eight_under_load(story):
    story.wait_healthy(3)
    c = story.client()
    story.book.write(c, "before-scale-out", KEYS)
    c.close()
    load = cluster.Load(story.any_ip(), story.book, "load-scale-out")
    load.start()
    try:
        start = time.monotonic()
        story.scale(8)
        story.masters = 4
        story.wait_healthy(4, timeout=300)
        took = time.monotonic() - start
    finally:
        load.stop()
    print(f"scale 6 -> 8: balanced 4 masters {took:.1f} s after kubectl scale; "
          + load.summary())
    assert load.ops > 0, "the load generator did no operation"
    assert not load.failures, f"{len(load.failures)} failed operations:\n" + "\n".join(load.failures[:20])
    assert not load.wrong_reads, load.wrong_reads[:10]
    story.assert_every_key()
    shape = cluster.assert_data_balanced(story.ips(), 4, max_ranges=3)
    print("scale 6 -> 8: keys and slot ranges per master: " + ", ".join(
        f"{ip} keys={k} ranges={r}" for ip, (k, r) in sorted(shape.items())))

    # What a user reads without exec: the coordinator's one-line summary.
    def status():
        line = kube.kubectl("-n", story.ns, "get", "sts", "redis", "-o",
                            r"jsonpath={.metadata.annotations.redis-cluster\.io/status}").stdout
        return line if ("masters=4 " in line and "balanced=yes" in line
                        and "slots=16384/16384" in line) else None
    line = kube.wait_for("the StatefulSet's redis-cluster.io/status to say 4 balanced masters",
                         status, timeout=60)
    print(f"scale 6 -> 8: redis-cluster.io/status: {line}")
    assert "replicas=4 " in line and ' last="' in line, line
