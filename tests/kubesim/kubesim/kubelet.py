"""The kubelet: schedules pods onto fake nodes and runs each in its own sandbox (see podsandbox)."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from . import netns, resources, volumes
from .containers import ContainerRunner
from .podenv import DEFAULT_PATH, ConfigError
from .store import now_rfc3339

POD = resources.find("", "v1", "pods")
SERVICE = resources.find("", "v1", "services")
MIN_TERMINATION_SECONDS = 1.0
PKG_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pod_ready(pod):
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
        self.terminate_deadline = None
        self.terminate_requested = threading.Event()
        self._changed = threading.Event()
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
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w") as f:
            json.dump(info, f)
        os.replace(path + ".tmp", path)

    def changed(self):
        self._changed.set()

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
        for r in self.inits:
            if self.terminate_requested.is_set():
                break
            if r.kind == "sidecar":
                r.start()
                while not r.started and not self.terminate_requested.wait(0.05):
                    pass
            elif not r.run_to_completion():
                if self.pod["spec"].get("restartPolicy") == "Never":
                    self.failed_reason = f"init container {r.name} failed"
                break
        else:
            self.initialized = True
            self.changed()
            for r in self.mains:
                r.start()
        self.terminate_requested.wait()
        self._terminate()
        self._teardown()

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
                "host_dirs": [d for d in [k.bin_dir] if d and os.path.isdir(d)],
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
        grace = self.terminate_deadline if self.terminate_deadline is not None else 0
        self.terminate_started = time.monotonic()
        deadline = time.monotonic() + grace
        hooks = [threading.Thread(target=r.pre_stop, args=(deadline,), daemon=True) for r in self.mains]
        for t in hooks:
            t.start()
        for t in hooks:
            t.join(max(0.0, deadline - time.monotonic()))
        stoppers = [threading.Thread(target=r.stop, args=(deadline,), daemon=True) for r in self.mains]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        for r in reversed(self.inits):  # sidecars after the main containers, in reverse order
            r.stop(max(deadline, time.monotonic() + 2) if grace > 0 else time.monotonic())

    def _teardown(self):
        if self.holder and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait()
        try:
            os.unlink(os.path.join(self.kubelet.state_dir, "exec", self.ns, self.name + ".json"))
        except OSError:
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


class Kubelet:
    def __init__(self, store, registry, state_dir, bin_dir, api_ip, api_port, ca_crt, bridge, nodes):
        self.store, self.registry, self.state_dir, self.bin_dir = store, registry, state_dir, bin_dir
        self.api_ip, self.api_port, self.ca_crt, self.bridge, self.nodes = api_ip, api_port, ca_crt, bridge, nodes
        self.ips = netns.IpAllocator()
        self.workers = {}  # pod uid -> PodWorker
        self._lock = threading.Lock()
        self._stop = self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="kubelet")

    def start(self):
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception as e:  # keep the node alive; say what went wrong
                import traceback
                traceback.print_exc()
                print(f"kubesim: kubelet sync failed: {e}", file=sys.stderr, flush=True)
            self.store.wait_change(0.5)

    def sync(self):
        pods, _ = self.store.list(POD)
        for pod in pods:
            md = pod["metadata"]
            if not pod["spec"].get("nodeName"):
                pod["spec"]["nodeName"] = self._schedule(pod, pods)
                try:
                    pod = self.store.update(POD, pod)
                except Exception:
                    continue
            with self._lock:
                if md["uid"] not in self.workers and not md.get("deletionTimestamp") and not self._stop.is_set():
                    w = PodWorker(self, pod)
                    self.workers[md["uid"]] = w
                    w.start()
        with self._lock:
            for uid, w in list(self.workers.items()):
                if w.done.is_set():
                    del self.workers[uid]

    def _schedule(self, pod, pods):
        """Fewest pods matching the pod's anti-affinity selector, then fewest pods, then name order."""
        from . import selectors
        aff = (pod["spec"].get("affinity") or {}).get("podAntiAffinity") or {}
        terms = [t for t in aff.get("requiredDuringSchedulingIgnoredDuringExecution") or []]
        terms += [t.get("podAffinityTerm", {}) for t in aff.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
        reqs = [selectors.from_label_selector(t.get("labelSelector")) for t in terms if t.get("labelSelector")]

        def score(node):
            on = [p for p in pods if p["spec"].get("nodeName") == node and not p["metadata"].get("deletionTimestamp")]
            clash = sum(1 for p in on for r in reqs if selectors.matches(r, p["metadata"].get("labels")))
            return (clash, len(on), node)
        return min(self.nodes, key=score)

    def on_pod_delete(self, pod):
        with self._lock:
            w = self.workers.get(pod["metadata"]["uid"])
        if w is None:
            return False
        if not w.terminate_requested.is_set():
            w.terminate_deadline = float(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
            w.terminate_requested.set()
        return True

    def service_endpoint(self, ns, name, port):
        """A ready endpoint (pod IP, target port) of Service ns/name for its port `port`."""
        from . import selectors
        svc = self.store.get_or_none(SERVICE, ns, name)
        if not svc or not svc["spec"].get("selector"):
            return None
        sp = next((p for p in svc["spec"].get("ports") or [] if p.get("port") == port), None)
        if sp is None:
            return None
        target = sp.get("targetPort", port)
        reqs = selectors.from_label_selector({"matchLabels": svc["spec"]["selector"]})
        for pod in self.store.list(POD, ns, label_reqs=reqs)[0]:
            if not pod_ready(pod):
                continue
            tp = target
            if not isinstance(tp, int) and not str(tp).isdigit():
                tp = next((p["containerPort"] for c in pod["spec"].get("containers") or []
                           for p in c.get("ports") or [] if p.get("name") == tp), None)
                if tp is None:
                    continue
            return pod["status"]["podIP"], int(tp)
        return None

    def logs(self, pod, container, follow, previous, tail):
        """Generator of log bytes for a container (the current or, with previous, the last run)."""
        md = pod["metadata"]
        base = os.path.join(self.state_dir, "logs", f"{md.get('namespace', 'default')}_{md['name']}_{md['uid'][:8]}",
                            container)
        with self._lock:
            w = self.workers.get(md["uid"])
        r = w.runner(container) if w else None
        attempt = r.attempt if r else max([int(f.split(".")[0]) for f in os.listdir(base)] or [0]) \
            if os.path.isdir(base) else 0
        if previous:
            attempt -= 1
            follow = False
        path = os.path.join(base, f"{attempt}.log")
        if attempt < 0 or not os.path.exists(path):
            from .errors import bad_request
            if previous:
                raise bad_request(f'previous terminated container "{container}" in pod "{md["name"]}" not found')
            if not follow:
                yield b""
                return
        deadline_missing = time.monotonic() + 30
        while not os.path.exists(path):
            if time.monotonic() > deadline_missing or (w and w.done.is_set()):
                return
            time.sleep(0.2)
        with open(path, "rb") as f:
            data = f.read()
            if tail is not None:
                lines = data.splitlines(keepends=True)
                data = b"".join(lines[-tail:]) if tail > 0 else b""
            yield data
            while follow:
                chunk = f.read(65536)
                if chunk:
                    yield chunk
                    continue
                ended = (w is None or w.done.is_set() or r is None or r.attempt != attempt
                         or (r.run_ended.is_set() and r.proc is not None))
                if ended:
                    rest = f.read()
                    if rest:
                        yield rest
                    return
                time.sleep(0.2)

    def stop(self):
        self._stop.set()
        with self._lock:
            workers = list(self.workers.values())
        for w in workers:
            w.terminate_deadline = min(w.terminate_deadline if w.terminate_deadline is not None else 1.0, 1.0)
            w.terminate_requested.set()
        for w in workers:
            w.done.wait(10)
