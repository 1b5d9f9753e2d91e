"""One pod on the kubelet: sandbox, volumes, network, containers in order, status, termination."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

# tests/kubesim itself, visible in pods at the same path (the pod root's /tmp is a fresh
# tmpfs, so a checkout under /tmp would otherwise hide test helpers run as pod commands).
KUBESIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from . import images, netns, resources, volumes
from .containers import ContainerRunner
from .deadline import Deadline
from .podenv import DEFAULT_PATH, ConfigError
from .store import now_rfc3339

POD = resources.find("", "v1", "pods")
MIN_TERMINATION_SECONDS = 1.0
PKG_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pod_ready(pod):
    """Running, Ready and not being deleted: what endpoints, DNS and controllers count."""
    if pod["metadata"].get("deletionTimestamp") or pod.get("status", {}).get("phase") != "Running":
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in pod.get("status", {}).get("conditions") or [])


class PodWorker(threading.Thread):
    def __init__(self, kubelet, pod):
        super().__init__(daemon=True, name=f"pod-{pod['metadata']['name']}")
        self.kubelet, self.pod = kubelet, pod
        md = pod["metadata"]
        self.ns, self.name, self.uid = md.get("namespace", "default"), md["name"], md["uid"]
        self.dir = os.path.join(kubelet.state_dir, "pods", f"{self.ns}_{self.name}_{self.uid[:8]}")
        self.rootfs = os.path.join(self.dir, "rootfs")
        self.holder = None
        self.holder_pid = None
        self.pod_ip = None
        self.deadline = None  # the termination Deadline, set by request_termination
        self._deadlines = []  # every Deadline a later, shorter delete must move
        self._term_lock = threading.Lock()
        self.terminate_requested = threading.Event()
        self._changed = threading.Event()
        self._exec_lock = threading.Lock()
        self.inits, self.sidecars, self.mains = [], [], []
        for c in pod["spec"].get("initContainers") or []:
            kind = "sidecar" if c.get("restartPolicy") == "Always" else "init"
            self.inits.append(ContainerRunner(self, c, kind))
        self.mains = [ContainerRunner(self, c, "main") for c in pod["spec"].get("containers") or []]
        self.initialized = False
        self.failed_reason = None
        self._last_status = None
        self.done = threading.Event()

    # -- facts containers need ------------------------------------------------
    def base_env(self):
        k = self.kubelet
        return {"PATH": DEFAULT_PATH, "HOSTNAME": self.pod["spec"].get("hostname") or self.name,
                "HOME": "/root", "KUBERNETES_SERVICE_HOST": k.api_ip, "KUBERNETES_SERVICE_PORT": str(k.api_port),
                "KUBERNETES_SERVICE_PORT_HTTPS": str(k.api_port),
                "KUBERNETES_PORT": f"tcp://{k.api_ip}:{k.api_port}"}

    def named_ports(self):
        out = {}
        for c in (self.pod["spec"].get("containers") or []) + (self.pod["spec"].get("initContainers") or []):
            for p in c.get("ports") or []:
                if p.get("name"):
                    out[p["name"]] = p["containerPort"]
        return out

    def log_path(self, container, attempt):
        return os.path.join(self.kubelet.state_dir, "logs", f"{self.ns}_{self.name}_{self.uid[:8]}",
                            container, f"{attempt}.log")

    def runner(self, name):
        return next((r for r in self.inits + self.mains if r.name == name), None)

    def save_exec_info(self):
        default = (self.pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
        info = {"holder_pid": self.holder_pid, "rootfs": self.rootfs, "uid": self.uid,
                "default_container": default or (self.mains[0].name if self.mains else ""),
                "containers": {r.name: {"env": r.env, "workingDir": r.spec.get("workingDir") or "/",
                                        "pid": r.proc.pid if r.proc else None}
                               for r in self.inits + self.mains}}
        path = os.path.join(self.kubelet.state_dir, "exec", self.ns, self.name + ".json")
        with self._exec_lock:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "w") as f:
                json.dump(info, f)
            os.replace(path + ".tmp", path)

    def changed(self):
        self._changed.set()

    def request_termination(self, grace):
        """Starts terminating the pod with `grace` seconds for its preStop hooks and containers;
        once terminating, a call with a smaller grace moves the deadline to `grace` from now (as
        a later `kubectl delete --grace-period` does; 0 kills at once), a larger one changes
        nothing."""
        with self._term_lock:
            if self.deadline is None:
                self.deadline = Deadline(grace)
                self._deadlines.append(self.deadline)
                self.terminate_requested.set()
                return
            for d in self._deadlines:
                d.shorten(grace)

    def _sidecar_deadline(self):
        """The sidecars' Deadline: at least 2 s after the main containers' (none when forced),
        moved by later shorter deletes like the pod's own."""
        with self._term_lock:
            d = Deadline(max(self.deadline.remaining(), 2.0) if self.deadline.grace > 0 else 0.0)
            self._deadlines.append(d)
            return d

    # -- lifecycle ---------------------------------------------------------------
    def run(self):
        try:
            self._setup()
        except Exception as e:
            self.failed_reason = str(e)
            print(f"kubesim: pod {self.ns}/{self.name}: sandbox setup failed: {e}", file=sys.stderr, flush=True)
            self.kubelet.registry.record_event(self.pod, "FailedCreatePodSandBox", str(e), "Warning", "kubelet")
            self._push_status()
            self.terminate_requested.wait()
            self._teardown()
            return
        self._push_status()
        threading.Thread(target=self._status_loop, daemon=True).start()
        starter = threading.Thread(target=self._start_containers, daemon=True, name=f"start-{self.name}")
        starter.start()
        self.terminate_requested.wait()
        self._terminate()  # also stops an init container that is still running
        starter.join(timeout=5)
        self._teardown()

    def _start_containers(self):
        """Init containers in order (sidecars started, not awaited), then the main containers."""
        for r in self.inits:
            if self.terminate_requested.is_set():
                return
            if r.kind == "sidecar":
                r.start()
                while not r.started and not r.stopping.is_set() and not self.terminate_requested.wait(0.05):
                    pass
            elif not r.run_to_completion():
                if self.pod["spec"].get("restartPolicy") == "Never":
                    self.failed_reason = f"init container {r.name} failed"
                    self.changed()
                return
        if self.terminate_requested.is_set():
            return
        self.initialized = True
        self.changed()
        for r in self.mains:
            r.start()

    def _setup(self):
        k = self.kubelet
        os.makedirs(os.path.join(self.dir, "scratch"), exist_ok=True)
        os.makedirs(self.rootfs, exist_ok=True)
        self.pod_ip = k.ips.allocate()
        sa_files = self._service_account_files()
        while True:
            try:
                vol_dirs = volumes.prepare(k.store, self.pod, self.dir, os.path.join(k.state_dir, "pvc"), sa_files)
                break
            except ConfigError as e:
                self.failed_reason = f"MountVolume.SetUp failed: {e}"
                self._push_status()
                if self.terminate_requested.wait(1.0):
                    raise
        self.failed_reason = None
        mounts = self._mounts(vol_dirs, sa_files)
        spec = {"scratch": os.path.join(self.dir, "scratch"), "rootfs": self.rootfs, "mounts": mounts,
                "hostname": self.pod["spec"].get("hostname") or self.name,
                "host_dirs": [d for d in [k.bin_dir, KUBESIM_DIR, os.path.dirname(images.redis_server_override())]
                              if d and os.path.isdir(d)],
                "links": {f"/usr/local/bin/{b}": os.path.join(k.bin_dir, b) for b in images.PROJECT_BINARIES
                          if k.bin_dir and os.path.exists(os.path.join(k.bin_dir, b))},
                "files": {"/etc/hosts": self._hosts(), "/etc/resolv.conf": self._resolv(),
                          "/etc/hostname": (self.pod["spec"].get("hostname") or self.name) + "\n"}}
        spec_path = os.path.join(self.dir, "sandbox.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        self.holder = subprocess.Popen(
            ["unshare", "--net", "--mount", "--uts", "--propagation", "private", "--",
             sys.executable, "-m", "kubesim.podsandbox", spec_path],
            cwd=PKG_ROOT, env={"PATH": os.environ.get("PATH", DEFAULT_PATH), "PYTHONPATH": PKG_ROOT},
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
        line = self.holder.stdout.readline().decode().strip()
        self.holder.stdout.close()
        if line != "ready":
            raise RuntimeError(f"pod sandbox: {line or 'exited'}")
        self.holder_pid = self.holder.pid
        netns.attach_pod(self.holder_pid, f"ks{self.uid[:8]}", self.pod_ip, k.bridge, k.api_ip)
        self.pod.setdefault("status", {})["podIP"] = self.pod_ip
        self.save_exec_info()

    def _service_account_files(self):
        k = self.kubelet
        with open(k.ca_crt) as f:
            ca = f.read()
        sa = self.pod["spec"].get("serviceAccountName") or "default"
        return {"token": f"kubesim-token:{self.ns}:{sa}", "ca.crt": ca, "namespace": self.ns}

    def _mounts(self, vol_dirs, sa_files):
        mounts = []
        all_specs = (self.pod["spec"].get("initContainers") or []) + (self.pod["spec"].get("containers") or [])
        seen = set()
        for c in all_specs:  # one mount namespace per pod: a path gets the first container's mount
            for m in c.get("volumeMounts") or []:
                if m["mountPath"] in seen or m["name"] not in vol_dirs:
                    continue
                seen.add(m["mountPath"])
                src = vol_dirs[m["name"]]
                if m.get("subPath"):
                    src = os.path.join(src, m["subPath"])
                    if not os.path.exists(src):
                        os.makedirs(src, exist_ok=True)
                mounts.append({"source": src, "path": m["mountPath"], "readOnly": bool(m.get("readOnly"))})
        sa_path = "/var/run/secrets/kubernetes.io/serviceaccount"
        if self.pod["spec"].get("automountServiceAccountToken", True) and sa_path not in seen:
            d = os.path.join(self.dir, "serviceaccount")
            volumes._write_items(d, sa_files, None, 0o644)
            mounts.append({"source": d, "path": sa_path, "readOnly": True})
        return mounts

    def _fqdn(self):
        spec = self.pod["spec"]
        host = spec.get("hostname") or self.name
        if spec.get("subdomain"):
            return f"{host}.{spec['subdomain']}.{self.ns}.svc.cluster.local", host
        return None, host

    def _hosts(self):
        fqdn, host = self._fqdn()
        names = f"{fqdn} {host}" if fqdn else host
        return ("# Kubernetes-managed hosts file (kubesim).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                f"ip6-loopback\n{self.pod_ip}\t{names}\n")

    def _resolv(self):
        ns = self.ns
        return (f"search {ns}.svc.cluster.local svc.cluster.local cluster.local\n"
                f"nameserver {self.kubelet.api_ip}\noptions ndots:5\n")

    def _terminate(self):
        deadline = self.deadline
        self.terminate_started = time.monotonic()
        if not self.kubelet.stopping.is_set():
            self.kubelet.registry.record_event(self.pod, "Killing",
                                               f"Stopping pod with grace period {deadline.grace:g}s",
                                               component="kubelet")
        hooks = [threading.Thread(target=r.pre_stop, args=(deadline,), daemon=True) for r in self.mains]
        for t in hooks:
            t.start()
        deadline.wait_for(lambda: not any(t.is_alive() for t in hooks))
        stoppers = [threading.Thread(target=r.stop, args=(deadline,), daemon=True) for r in self.mains]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        sidecars = self._sidecar_deadline()
        for r in reversed(self.inits):  # sidecars after the main containers, in reverse order
            r.stop(sidecars)

    def _teardown(self):
        if self.holder_pid:  # leftovers (e.g. from kubesim exec) die with the pod, as in a runtime
            netns.kill_namespace_members([self.holder_pid], keep={self.holder_pid})
        if self.holder and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait()
        exec_info = os.path.join(self.kubelet.state_dir, "exec", self.ns, self.name + ".json")
        try:
            with open(exec_info) as f:
                mine = json.load(f).get("uid") == self.uid
            if mine:  # a replacement pod with the same name may already have written its own
                os.unlink(exec_info)
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
        # A real kubelet takes a moment to report the final status before the API object goes;
        # `kubectl delete` relies on that (it must see the old pod before its replacement exists).
        started = getattr(self, "terminate_started", None)
        if started is not None and not self.kubelet.stopping.is_set():
            time.sleep(max(0.0, started + MIN_TERMINATION_SECONDS - time.monotonic()))
        cur = self.kubelet.store.get_or_none(POD, self.ns, self.name)
        if cur and cur["metadata"]["uid"] == self.uid and cur["metadata"].get("deletionTimestamp"):
            try:
                self.kubelet.store.delete(POD, self.ns, self.name)
            except Exception:
                pass
        self.done.set()

    # -- status ------------------------------------------------------------------
    def _status_loop(self):
        while not self.done.is_set():
            self._changed.wait(0.5)
            self._changed.clear()
            self._push_status()

    def _push_status(self):
        cur = self.kubelet.store.get_or_none(POD, self.ns, self.name)
        if not cur or cur["metadata"]["uid"] != self.uid:
            return
        self.pod = cur
        st = self._status(cur)
        if st == self._last_status:
            return
        self._last_status = st
        cur["status"] = st
        try:
            self.kubelet.store.update(POD, cur, check_rv=False, status_only=True)
        except Exception:
            pass

    def _status(self, cur):
        old = cur.get("status") or {}
        mains_ready = all(r.ready and r.started for r in self.mains)
        sidecars_ok = all(r.started and (r.ready or not r.spec.get("readinessProbe")) for r in self.inits
                          if r.kind == "sidecar")
        ready = self.initialized and mains_ready and sidecars_ok and bool(self.mains)
        if self.failed_reason and self.pod["spec"].get("restartPolicy") == "Never":
            phase = "Failed"
        elif self.mains and not self.terminate_requested.is_set() and \
                all(r.exit_code is not None for r in self.mains):
            phase = "Succeeded" if all(r.exit_code == 0 for r in self.mains) else "Failed"
        elif self.initialized and any(r.started for r in self.mains):
            phase = "Running"
        else:
            phase = "Pending"

        def cond(t, ok, reason=None):
            c = {"type": t, "status": "True" if ok else "False", "lastProbeTime": None,
                 "lastTransitionTime": next((o.get("lastTransitionTime") for o in old.get("conditions") or []
                                             if o["type"] == t and o["status"] == ("True" if ok else "False")),
                                            now_rfc3339())}
            if reason and not ok:
                c["reason"] = reason
            return c
        st = {"phase": phase, "hostIP": self.kubelet.api_ip, "hostIPs": [{"ip": self.kubelet.api_ip}],
              "startTime": old.get("startTime") or now_rfc3339(), "qosClass": "BestEffort",
              "conditions": [cond("PodReadyToStartContainers", self.holder_pid is not None),
                             cond("Initialized", self.initialized, "ContainersNotInitialized"),
                             cond("Ready", ready, "ContainersNotReady"),
                             cond("ContainersReady", ready, "ContainersNotReady"),
                             cond("PodScheduled", True)],
              "containerStatuses": [r.status() for r in self.mains]}
        if self.inits:
            st["initContainerStatuses"] = [r.status() for r in self.inits]
        if self.pod_ip and self.holder_pid:
            st["podIP"], st["podIPs"] = self.pod_ip, [{"ip": self.pod_ip}]
        if self.failed_reason:
            st["message"] = self.failed_reason
        return st
