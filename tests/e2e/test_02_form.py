"""Issue 7, test 2: the labelled example StatefulSet of 6 forms 3 masters + 3 replicas with all
16384 slots covered, with nothing set up by hand."""
import cluster
import kube


def test_six_pods_form_three_masters_with_a_replica_each(story):
    ips = story.wait_healthy(3)
    assert sorted(ips) == [f"redis-{i}" for i in range(6)]
    passed, out = cluster.redis_cli_check(ips["redis-0"])
    assert passed, out
    assert out.count("\nM: ") + out.startswith("M: ") == 3, out
    print(f"formed 3 masters x 1 replica {story.formed_after:.1f} s after kubectl apply")


def test_pods_were_mutated_by_the_webhook(story):
    pod = kube.get_json(story.ns, "pod", "redis-0")
    inits = {c["name"]: c for c in pod["spec"].get("initContainers", [])}
    assert "redis-cluster-agent" in inits and inits["redis-cluster-agent"].get("restartPolicy") == "Always"
    redis = next(c for c in pod["spec"]["containers"] if c["name"] == "redis")
    assert {p["containerPort"] for p in redis["ports"]} >= {6379, 16379}
    assert "preStop" in redis.get("lifecycle", {})
    sts = kube.get_json(story.ns, "statefulset", "redis")
    assert sts["spec"]["podManagementPolicy"] == "Parallel"


def test_each_replica_runs_on_another_node_than_its_master(story):
    ips = story.wait_healthy(3)
    by_ip = {ip: pod for pod, ip in ips.items()}
    node_of = {name: p["spec"].get("nodeName") for name, p in kube.pods(story.ns, story.selector).items()}
    nodes = cluster.parse_nodes(cluster.node(ips["redis-0"]).execute_command("CLUSTER", "NODES"))
    ids = {n["id"]: n for n in nodes}
    for n in nodes:
        if n["master"]:
            replica, master = by_ip[n["ip"]], by_ip[ids[n["master"]]["ip"]]
            assert node_of[replica] != node_of[master], (
                f"replica {replica} and its master {master} share node {node_of[replica]}")
