"""kubectl exec (WebSocket remote-command protocol) and kubesim exec."""
import subprocess

from support import apply, kubectl, kubesim_exec, ready_pods, wait_for


def test_kubectl_exec_streams_exit_codes_and_stdin(ns):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "box", "labels": {"t": "box"}},
           "spec": {"terminationGracePeriodSeconds": 1, "containers": [
               {"name": "main", "image": "busybox", "command": ["sh", "-c", "exec sleep 1000"],
                "env": [{"name": "GREETING", "value": "hi"}]},
               {"name": "other", "image": "busybox", "command": ["sh", "-c", "exec sleep 1000"]}]}}
    apply(ns, pod)
    wait_for("pod ready", lambda: ready_pods(ns, "t=box"))
    p = kubectl("-n", ns, "exec", "box", "-c", "main", "--", "sh", "-c", "echo $GREETING $(hostname); echo oops >&2; exit 3",
                check=False)
    assert p.returncode == 3 and p.stdout == "hi box\n" and "oops" in p.stderr, (p.stdout, p.stderr)
    p = subprocess.run(["kubectl", "-n", ns, "exec", "-i", "box", "--", "wc", "-c"], input="12345",
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.strip() == "5", (p.stdout, p.stderr)
    p = kubectl("-n", ns, "exec", "box", "-c", "nope", "--", "true", check=False)
    assert p.returncode != 0 and "container nope is not valid" in p.stderr
    # kubesim exec: same namespaces, the container's environment.
    assert kubesim_exec(ns, "box", "sh", "-c", "echo $GREETING").stdout == "hi\n"
    assert kubesim_exec(ns, "box", "sh", "-c", "exit 4", check=False).returncode == 4


def test_kubectl_cp_both_ways(ns, tmp_path):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cp", "labels": {"t": "cp"}},
           "spec": {"terminationGracePeriodSeconds": 1,
                    "containers": [{"name": "main", "image": "busybox", "command": ["sleep", "1000"]}]}}
    apply(ns, pod)
    wait_for("pod ready", lambda: ready_pods(ns, "t=cp"))
    (tmp_path / "in.txt").write_text("payload\n")
    kubectl("-n", ns, "cp", str(tmp_path / "in.txt"), "cp:/tmp/in.txt")
    assert kubectl("-n", ns, "exec", "cp", "--", "cat", "/tmp/in.txt").stdout == "payload\n"
    kubectl("-n", ns, "cp", "cp:/tmp/in.txt", str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_text() == "payload\n"
