"""kubectl logs, with -c and -f."""
import subprocess
import time

from support import apply, kubectl, ready_pods, wait_for


def test_logs_follow_streams_new_lines(ns):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "talker", "labels": {"t": "talker"}},
           "spec": {"terminationGracePeriodSeconds": 1, "containers": [
               {"name": "quiet", "image": "busybox", "command": ["sh", "-c", "echo quiet; exec sleep 1000"]},
               {"name": "talk", "image": "busybox",
                "command": ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"]}]}}
    apply(ns, pod)
    wait_for("pod ready", lambda: ready_pods(ns, "t=talker"))
    assert kubectl("-n", ns, "logs", "talker", "-c", "quiet").stdout == "quiet\n"
    proc = subprocess.Popen(["kubectl", "-n", ns, "logs", "-f", "talker", "-c", "talk"], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        seen = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line.strip())
            if len(seen) >= 15:
                break
        assert len(seen) >= 15, seen
        nums = [int(s.split()[1]) for s in seen]
        assert nums == list(range(nums[0], nums[0] + len(nums)))
    finally:
        proc.kill()
        proc.wait()
    tail = kubectl("-n", ns, "logs", "talker", "-c", "talk", "--tail=2").stdout.splitlines()
    assert len(tail) == 2
