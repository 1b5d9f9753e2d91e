"""Issue 7, test 5: `kubectl delete pod` of a master: its replica takes over; the pod comes back
(new IP, empty data dir: a new node) as a replica, and no key is lost."""
import cluster
import kube


def test_deleted_master_pod_comes_back_as_a_replica(story):
    ips = story.wait_healthy(3)
    health = cluster.Health(ips)
    roles = health.masters_by_pod()
    # Not redis-0: the coordinator's own restart is test 10's business.
    victim = next(p for p in sorted(ips) if roles[p] and p != "redis-0")
    nodes = health.views["redis-0"]
    victim_id = next(n["id"] for n in nodes if n["ip"] == ips[victim])
    replica_ip = next(n["ip"] for n in nodes if n["master"] == victim_id)
    replica_pod = next(p for p, ip in ips.items() if ip == replica_ip)
    old_uid = kube.get_json(story.ns, "pod", victim)["metadata"]["uid"]

    kube.kubectl("-n", story.ns, "delete", "pod", victim, "--wait=false")

    def replica_is_master():
        mine = [n for n in cluster.parse_nodes(cluster.node(replica_ip).execute_command("CLUSTER", "NODES"))
                if "myself" in n["flags"]]
        return mine and "master" in mine[0]["flags"] and mine[0]["slots"] > 0

    kube.wait_for(f"{replica_pod} (the replica of {victim}) to take over", replica_is_master, timeout=120)
    kube.wait_for(f"{victim} back", lambda: (kube.get_json(story.ns, "pod", victim) or {})
                  .get("metadata", {}).get("uid") not in (None, old_uid), timeout=120)
    ips = story.wait_healthy(3, timeout=240)
    roles = cluster.Health(ips).masters_by_pod()
    assert not roles[victim], f"{victim} came back as a master"
    assert roles[replica_pod], f"{replica_pod} is no longer a master"
    story.assert_every_key()
