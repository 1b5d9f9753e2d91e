"""One container of a pod: a local process in the pod's namespaces, restarted by policy, probed."""
import os
import signal
import subprocess
import threading
import time

from . import images, podenv, probes
from .store import now_rfc3339


class ContainerRunner:
    """kind is "init" (run to completion), "sidecar" (init container with restartPolicy Always)
    or "main"."""

    def __init__(self, worker, spec, kind):
        self.w, self.spec, self.kind = worker, spec, kind
        self.name = spec["name"]
        self.proc = None
        self.restart_count = 0
        self.attempt = 0
        self.state = {"waiting": {"reason": "PodInitializing" if kind == "main" else "ContainerCreating"}}
        self.last_state = {}
        self.ready = False
        self.started = False
        self.finished_ok = False          # init containers: exited 0
        self.exit_code = None             # main containers that will not be restarted
        self.run_ended = threading.Event()  # set when the current attempt's process has exited
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._probe_thread = None
        self._liveness_failures = 0
        self.env = {}

    # -- launching ---------------------------------------------------------
    def in_container(self, argv):
        """argv that runs inside this container's namespaces and root, in its working dir.
        The project's binaries are mapped to the bin dir by basename (probes, hooks)."""
        argv = list(argv)
        if argv and os.path.basename(argv[0]) in images.PROJECT_BINARIES and self.w.kubelet.bin_dir:
            argv[0] = os.path.join(self.w.kubelet.bin_dir, os.path.basename(argv[0]))
        return ["nsenter", "-t", str(self.w.holder_pid), "-n", "-m", "-u", "--", "chroot", self.w.rootfs,
                "/usr/bin/env", "-C", self.spec.get("workingDir") or "/", "--", *argv]

    def _launch(self):
        env = podenv.build_env(self.w.kubelet.store, self.w.pod, self.spec, self.w.base_env())
        argv = images.argv_for(self.spec, self.w.kubelet.bin_dir)
        argv = [argv[0]] + [podenv.expand(a, env) for a in argv[1:]]
        self.env = env
        log_path = self.w.log_path(self.name, self.attempt)
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(self.in_container(argv), env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.run_ended.clear()
        if self.stopping.is_set():  # stopped while launching
            self._kill_group()
        self.w.save_exec_info()
        self.state = {"running": {"startedAt": now_rfc3339()}}
        self.started = True
        self.w.changed()

    def _wait_config(self):
        """Launches, retrying while Secrets/ConfigMaps are missing. False when stopping."""
        while not self.stopping.is_set():
            try:
                self._launch()
                return True
            except Exception as e:  # the container waits with a reason and is retried
                reason = {podenv.ConfigError: "CreateContainerConfigError",
                          images.ImageError: "ErrImagePull"}.get(type(e), "RunContainerError")
                if self.state.get("waiting", {}).get("message") != str(e):
                    self.w.kubelet.registry.record_event(self.w.pod, "Failed", f"Error: {e}", "Warning",
                                                         "kubelet")
                self.state = {"waiting": {"reason": reason, "message": str(e)}}
                self.w.changed()
                self.stopping.wait(1.0)
        return False

    def _wait_exit(self):
        code = self.proc.wait()
        self._kill_group()  # when a container's main process exits, the rest of it goes too
        if code < 0:
            code = 128 - code
        with self._lock:
            self.ready = False
            self.started = False
            self.last_state = {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                                              "startedAt": self.state.get("running", {}).get("startedAt"),
                                              "finishedAt": now_rfc3339()}}
            self.state = dict(self.last_state)
        self.run_ended.set()
        self.w.changed()
        return code

    def _backoff(self):
        delay = min(10.0, 2.0 ** max(0, self.restart_count - 1))
        self.state = {"waiting": {"reason": "CrashLoopBackOff",
                                  "message": f"back-off {delay:.0f}s restarting failed container={self.name}"}}
        self.w.changed()
        return not self.stopping.wait(delay)

    def run_to_completion(self):
        """Init containers: rerun until exit 0 (unless restartPolicy Never). True on success."""
        while self._wait_config():
            code = self._wait_exit()
            if code == 0:
                self.finished_ok = True
                return True
            if self.w.pod["spec"].get("restartPolicy") == "Never" or self.stopping.is_set():
                return False
            self.restart_count += 1
            self.attempt += 1
            if not self._backoff():
                return False
        return False

    def start(self):
        self._thread = threading.Thread(target=self._loop, daemon=True, name=f"ctr-{self.name}")
        self._thread.start()
        self._probe_thread = threading.Thread(target=self._probe_loop, daemon=True, name=f"probe-{self.name}")
        self._probe_thread.start()

    def _loop(self):
        policy = "Always" if self.kind == "sidecar" else self.w.pod["spec"].get("restartPolicy", "Always")
        while self._wait_config():
            code = self._wait_exit()
            if self.stopping.is_set() or policy == "Never" or (policy == "OnFailure" and code == 0):
                self.exit_code = code  # done for good: the pod may be Succeeded or Failed
                self.w.changed()
                return
            self.restart_count += 1
            self.attempt += 1
            self.w.kubelet.registry.record_event(self.w.pod, "BackOff" if code else "Restarted",
                                                 f"container {self.name} exited with {code}, restarting",
                                                 "Warning" if code else "Normal", "kubelet")
            if not self._backoff():
                return

    # -- probes --------------------------------------------------------------
    def _probe_loop(self):
        rp, lp = self.spec.get("readinessProbe"), self.spec.get("livenessProbe")
        started_attempt, last = None, {"readiness": 0.0, "liveness": 0.0}
        successes = failures = 0
        while not self.stopping.wait(0.1):
            if not self.started:
                continue
            if started_attempt != self.attempt:
                started_attempt, t0 = self.attempt, time.monotonic()
                successes = failures = self._liveness_failures = 0
                if not rp:
                    self.ready = True
                    self.w.changed()
            now = time.monotonic()
            if rp and now - t0 >= rp.get("initialDelaySeconds", 0) and \
                    now - last["readiness"] >= rp.get("periodSeconds", 10):
                last["readiness"] = now
                ok, _ = probes.run(rp, self.w.pod_ip, self.w.named_ports(), self.in_container)
                if ok:
                    successes, failures = successes + 1, 0
                    if not self.ready and successes >= rp.get("successThreshold", 1) and self.started:
                        self.ready = True
                        self.w.changed()
                else:
                    failures, successes = failures + 1, 0
                    if self.ready and failures >= rp.get("failureThreshold", 3):
                        self.ready = False
                        self.w.changed()
            if lp and now - t0 >= lp.get("initialDelaySeconds", 0) and \
                    now - last["liveness"] >= lp.get("periodSeconds", 10):
                last["liveness"] = now
                ok, msg = probes.run(lp, self.w.pod_ip, self.w.named_ports(), self.in_container)
                self._liveness_failures = 0 if ok else self._liveness_failures + 1
                if self._liveness_failures >= lp.get("failureThreshold", 3):
                    self.w.kubelet.registry.record_event(self.w.pod, "Unhealthy",
                                                         f"Liveness probe failed: {msg}", "Warning", "kubelet")
                    self._liveness_failures = 0
                    self._kill_group()

    # -- stopping ------------------------------------------------------------
    def signal(self, sig):
        """Signals the container's main process (what a runtime signals: its PID 1)."""
        p = self.proc
        if p and p.poll() is None:
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                pass

    def _kill_group(self):
        p = self.proc
        if p:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self, deadline):
        """SIGTERM to the main process, SIGKILL to all of the container at the Deadline (which a
        shorter delete may move earlier while this waits)."""
        self.stopping.set()
        self.signal(signal.SIGTERM)
        p = self.proc
        if p:
            if not deadline.wait_for(lambda: p.poll() is not None):
                self._kill_group()
                p.wait()
            self._kill_group()
        if self._thread:
            self._thread.join(timeout=2)

    def pre_stop(self, deadline):
        """Runs the preStop hook until it ends or the Deadline passes (an exec hook's whole
        process group is killed then)."""
        hook = (self.spec.get("lifecycle") or {}).get("preStop")
        if not hook or not self.proc or self.proc.poll() is not None:
            return
        if "exec" in hook:
            argv = self.in_container(hook["exec"].get("command") or [])
            proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            if not deadline.wait_for(lambda: proc.poll() is not None):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            proc.wait()
        elif "httpGet" in hook:  # the pod worker stops waiting for it at the deadline
            probes.run({"httpGet": hook["httpGet"], "timeoutSeconds": deadline.remaining()}, self.w.pod_ip,
                       self.w.named_ports(), self.in_container)
        elif "sleep" in hook:
            seconds = float(hook["sleep"].get("seconds", 0))
            deadline.wait_for(lambda: False, poll=seconds, limit=seconds)

    # -- status --------------------------------------------------------------
    def status(self):
        s = {"name": self.name, "image": self.spec.get("image", ""), "imageID": "",
             "containerID": f"kubesim://{self.w.uid[:8]}-{self.name}-{self.attempt}",
             "ready": bool(self.ready and self.started), "started": bool(self.started),
             "restartCount": self.restart_count, "state": self.state, "lastState": self.last_state}
        if self.kind == "init":
            s["ready"] = self.finished_ok
        return s
