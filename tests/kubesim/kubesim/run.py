"""kubesim-run: isolated network, kubesim, kubeconfig, COMMAND, cleanup (see ../README.md)."""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import netns

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
API_PORT = 6443

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: kubesim
  cluster:
    certificate-authority: {ca}
    server: https://{ip}:{port}
users:
- name: kubesim-admin
  user:
    token: kubesim-admin-token
contexts:
- name: kubesim
  context:
    cluster: kubesim
    user: kubesim-admin
    namespace: default
current-context: kubesim
"""


def parse(argv):
    p = argparse.ArgumentParser(prog="kubesim-run", description="Run COMMAND against a fresh kubesim.")
    p.add_argument("--bin-dir", default=os.environ.get("KUBESIM_BIN_DIR", ""))
    p.add_argument("--state-dir", default="")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if args.bin_dir:
        args.bin_dir = os.path.abspath(args.bin_dir)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        p.error("missing COMMAND (usage: kubesim-run [--bin-dir DIR] [--state-dir DIR] -- COMMAND [ARGS...])")
    return args


def main(argv):
    args = parse(argv)
    if not args.inner:
        if os.geteuid() != 0:
            print("kubesim-run: needs root (network and mount namespaces)", file=sys.stderr)
            return 2
        inner = [sys.executable, os.path.join(HERE, "kubesim-run"), "--inner", "--bin-dir", args.bin_dir or "",
                 "--state-dir", args.state_dir, "--", *args.command]
        os.execvp("unshare", ["unshare", "--net", "--mount", "--propagation", "private", "--", *inner])
    return Run(args).run()


def sweep(state_dir):
    """Kills every process left in a pod network namespace of this run (by pid), then the holders."""
    exec_dir = os.path.join(state_dir, "exec")
    holders = []
    for root, _, files in os.walk(exec_dir):
        for f in files:
            try:
                with open(os.path.join(root, f)) as fh:
                    holders.append(int(json.load(fh)["holder_pid"]))
            except (OSError, ValueError, KeyError, TypeError):
                pass
    netns.kill_namespace_members(holders)


class Run:
    def __init__(self, args):
        self.args = args
        self.own_state = not args.state_dir
        self.state_dir = os.path.abspath(args.state_dir or tempfile.mkdtemp(prefix="kubesim-"))
        self.server = None
        self.child = None
        self.stopping = 0
        self.kill_at = None
        self.own_group = False

    def _on_signal(self, signum, frame):
        """Passes SIGINT/SIGTERM to COMMAND's process group; SIGKILL to it 10 s later."""
        self.stopping = signum
        if self.child and self.child.poll() is None:
            self._signal_child(signum)
            self.kill_at = time.monotonic() + 10

    def _signal_child(self, signum):
        try:
            if self.own_group:
                os.killpg(self.child.pid, signum)
            else:
                self.child.send_signal(signum)
        except ProcessLookupError:
            pass

    def run(self):
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        code = 1
        try:
            self._start()
            if not self.stopping:
                code = self._command()
        except Exception as e:
            print(f"kubesim-run: {e}", file=sys.stderr)
            log = os.path.join(self.state_dir, "kubesim.log")
            if os.path.exists(log):
                with open(log) as f:
                    sys.stderr.write(f.read()[-4000:])
        finally:
            self._cleanup()
        return code

    def _start(self):
        os.makedirs(self.state_dir, exist_ok=True)
        for stale in ("ready", "kubeconfig"):
            if os.path.exists(os.path.join(self.state_dir, stale)):
                os.unlink(os.path.join(self.state_dir, stale))
        netns.setup_outer()
        self._cluster_resolver()
        log = open(os.path.join(self.state_dir, "kubesim.log"), "ab")
        env = dict(os.environ, PYTHONPATH=HERE)
        self.server = subprocess.Popen(
            [sys.executable, "-m", "kubesim", "--state-dir", self.state_dir, "--bin-dir", self.args.bin_dir or "",
             "--api-ip", netns.GATEWAY, "--port", str(API_PORT), "--bridge", netns.BRIDGE]
            + (["--verbose"] if os.environ.get("KUBESIM_VERBOSE") else []),
            cwd=HERE, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        ready = os.path.join(self.state_dir, "ready")
        deadline = time.monotonic() + 30
        while not os.path.exists(ready):
            if self.server.poll() is not None:
                raise RuntimeError(f"kubesim exited with {self.server.returncode} during start-up")
            if time.monotonic() > deadline:
                raise RuntimeError("kubesim did not start within 30s")
            time.sleep(0.05)
        with open(os.path.join(self.state_dir, "kubeconfig"), "w") as f:
            f.write(KUBECONFIG.format(ca=os.path.join(self.state_dir, "pki", "ca.crt"), ip=netns.GATEWAY,
                                      port=API_PORT))

    def _cluster_resolver(self):
        """COMMAND resolves *.cluster.local through kubesim's DNS: /etc/resolv.conf is replaced
        in this run's private mount namespace (the host's resolver is unreachable from the run's
        network namespace anyway)."""
        path = os.path.join(self.state_dir, "resolv.conf")
        with open(path, "w") as f:
            f.write(f"search default.svc.cluster.local svc.cluster.local cluster.local\n"
                    f"nameserver {netns.GATEWAY}\noptions ndots:5 timeout:1 attempts:2\n")
        subprocess.run(["mount", "--bind", path, os.path.realpath("/etc/resolv.conf")], check=True)

    def _command(self):
        env = dict(os.environ, KUBECONFIG=os.path.join(self.state_dir, "kubeconfig"),
                   KUBESIM_STATE_DIR=self.state_dir, KUBESIM_BIN_DIR=self.args.bin_dir or "",
                   KUBESIM_API_SERVER=f"https://{netns.GATEWAY}:{API_PORT}",
                   KUBECACHEDIR=os.path.join(self.state_dir, "kubectl-cache"),  # no stale discovery
                   PATH=os.path.join(HERE, "bin") + os.pathsep + os.environ.get("PATH", ""))
        # Non-interactive: COMMAND gets its own process group so that a signal reaches all of it
        # and nothing it started outlives the run. Interactive (stdin a tty): it stays in ours.
        self.own_group = not os.isatty(0)
        try:
            self.child = subprocess.Popen(self.args.command, env=env,
                                          process_group=0 if self.own_group else None)
        except OSError as e:
            print(f"kubesim-run: cannot run {self.args.command[0]}: {e}", file=sys.stderr)
            return 127
        while True:
            try:
                code = self.child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if self.kill_at and time.monotonic() > self.kill_at:
                    self._signal_child(signal.SIGKILL)
            except KeyboardInterrupt:
                continue
        if self.own_group:
            self._signal_child(signal.SIGKILL)  # leftovers of COMMAND's process group
        code = 128 - code if code < 0 else code
        return 128 + self.stopping if self.stopping and code == 0 else code

    def _cleanup(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        sweep(self.state_dir)
        shutil.rmtree(os.path.join(self.state_dir, "pods"), ignore_errors=True)
        if self.own_state:
            shutil.rmtree(self.state_dir, ignore_errors=True)
