"""kubesim-run itself: exit code, environment, cleanup (a nested run in its own namespace)."""
import os
import subprocess

RUN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "kubesim-run")


def test_exit_code_env_and_cleanup(tmp_path):
    state = tmp_path / "state"
    script = ("kubectl get nodes -o name | grep -c kubesim-node > $KUBESIM_STATE_DIR/../nodes; "
              "command -v kubesim >/dev/null || exit 3; exit 7")
    p = subprocess.run([RUN, "--state-dir", str(state), "--", "sh", "-c", script],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 7, p.stderr
    assert (tmp_path / "nodes").read_text().strip() == "3"
    assert not (state / "pods").exists()


def test_missing_command_is_usage_error():
    p = subprocess.run([RUN], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "COMMAND" in p.stderr
