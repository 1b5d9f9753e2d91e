"""Issue 7, test 10: pod-0 is cut off (its network interface down, as when its node fails) and kept
down while the StatefulSet is scaled to 8: another agent takes the coordinator's Lease and carries
the scale-out; when pod-0 is back it takes coordination over again. Then back to 6."""
import cluster
import kube


def coordinator(ns):
    """holderIdentity of the namespace's one Lease (the agents' coordinator Lease), else None."""
    leases = (kube.get_json(ns, "leases") or {}).get("items", [])
    assert len(leases) <= 1, [l["metadata"]["name"] for l in leases]
    return leases[0]["spec"].get("holderIdentity") if leases else None


def pod0_net(story, *cmd):
    return kube.kubesim_exec(story.ns, "redis-0", "ip", *cmd, container="redis")


def test_another_agent_coordinates_while_pod0_is_down(story):
    story.wait_healthy(3)
    assert coordinator(story.ns) == "redis-0"
    pod0_ip = kube.pod_ip(story.ns, "redis-0")
    pod0_net(story, "link", "set", "eth0", "down")
    try:
        kube.wait_for("redis-0 not ready", lambda: "redis-0" not in story.ips(), timeout=60)
        story.scale(8)
        story.masters = 4
        taken = kube.wait_for("another agent holding the coordinator Lease",
                              lambda: (lambda h: h not in (None, "redis-0") and h)(coordinator(story.ns)),
                              timeout=90)

        def scaled_without_pod0():
            ips = story.ips()
            ips.pop("redis-0", None)
            if len(ips) != 7:
                return None
            health = cluster.Health(ips)
            view = health.views.get(taken) or []
            masters = [n for n in view if "master" in n["flags"] and n["slots"] > 0]
            live = [m for m in masters if m["ip"] != pod0_ip and not m["flags"] & {"fail", "fail?"}]
            return (len(live) == 4 and sum(m["slots"] for m in live) == cluster.SLOTS and
                    max(m["slots"] for m in live) - min(m["slots"] for m in live) <= 2 and
                    not any(n["open"] for n in view))

        kube.wait_for(f"{taken} to carry the scale-out to 4 balanced masters without redis-0",
                      scaled_without_pod0, timeout=300,
                      diagnose=lambda: kube.logs(story.ns, taken, "redis-cluster-agent", check=False)[-4000:])
        log = kube.logs(story.ns, taken, "redis-cluster-agent")
        assert f"{taken} coordinates the cluster (pod-0 has been gone longer than the lease)" in log, log[-3000:]
    finally:
        pod0_net(story, "link", "set", "eth0", "up")
        kube.kubesim_exec(story.ns, "redis-0", "ip", "route", "replace", "default", "via", "10.244.0.1",
                          container="redis", check=False)
    kube.wait_for("redis-0 to take coordination back", lambda: coordinator(story.ns) == "redis-0",
                  timeout=120)
    story.wait_healthy(4, timeout=300)
    log = kube.logs(story.ns, taken, "redis-cluster-agent")
    assert "hands coordination back (pod-0 is ready)" in log, log[-3000:]
    story.assert_every_key()


def test_back_to_six_after_pod0_returned(story):
    story.wait_healthy(4, timeout=300)
    story.scale(6)
    story.masters = 3
    story.wait_healthy(3, timeout=300)
    # The leaving pods drain, hand over through the preStop hand-shake and go: the next test
    # starts from exactly six pods.
    six = [f"redis-{i}" for i in range(6)]
    kube.wait_for("redis-6 and redis-7 gone after the scale to 6",
                  lambda: sorted(kube.pods(story.ns, story.selector)) == six, timeout=120)
    story.assert_every_key()
