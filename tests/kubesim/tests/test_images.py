"""Image mapping: the project's images run binaries from --bin-dir, redis images run redis-server."""
import subprocess

from support import apply, get, kubectl, kubesim_exec, ready_pods, wait_for


def test_agent_image_and_absolute_command_map_to_bin_dir(ns):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "agent", "labels": {"t": "agent"}},
           "spec": {"terminationGracePeriodSeconds": 2, "containers": [
               {"name": "by-image", "image": "registry.example/team/redis-cluster-agent:1.0", "args": ["run", "--v=1"]},
               {"name": "by-path", "image": "busybox", "command": ["/usr/local/bin/redis-cluster-agent", "status"]}]}}
    apply(ns, pod)
    wait_for("pod ready", lambda: ready_pods(ns, "t=agent"))
    wait_for("agent log", lambda: kubectl("-n", ns, "logs", "agent", "-c", "by-image").stdout
             == "fake redis-cluster-agent run --v=1\n")
    wait_for("agent log", lambda: kubectl("-n", ns, "logs", "agent", "-c", "by-path").stdout
             == "fake redis-cluster-agent status\n")
    # As in the image: on PATH at /usr/local/bin inside the pod, for kubesim exec, probes and hooks.
    out = kubesim_exec(ns, "agent", "sh", "-c", "command -v redis-cluster-agent").stdout.strip()
    assert out == "/usr/local/bin/redis-cluster-agent"
    p = kubesim_exec(ns, "agent", "timeout", "1", "redis-cluster-agent", "status", "--json", check=False)
    assert p.stdout.startswith("fake redis-cluster-agent status --json")


def test_redis_image_args_and_unmapped_image(ns):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "r", "labels": {"t": "r"}},
           "spec": {"terminationGracePeriodSeconds": 1,
                    "containers": [{"name": "redis", "image": "docker.io/library/redis:7.2", "args": ["--port", "7000"],
                                    "readinessProbe": {"tcpSocket": {"port": 7000}, "periodSeconds": 1}}]}}
    bad = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"},
           "spec": {"containers": [{"name": "x", "image": "nginx:1"}]}}
    apply(ns, pod, bad)
    ip = wait_for("redis ready", lambda: ready_pods(ns, "t=r"))["r"]["status"]["podIP"]
    out = subprocess.run(["redis-cli", "-h", ip, "-p", "7000", "ping"], capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "PONG"

    # The container waits as PodInitializing first (CI once looked then), then as ErrImagePull.
    def err_image_pull():
        status = (get(ns, "pod", "bad")["status"].get("containerStatuses") or [{}])[0]
        waiting = status.get("state", {}).get("waiting") or {}
        return waiting if waiting.get("reason") == "ErrImagePull" else None

    waiting = wait_for("ErrImagePull", err_image_pull)
    assert "not mapped" in waiting["message"]
