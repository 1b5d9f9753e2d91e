"""The kubelet: schedules pods onto fake nodes and runs each with a PodWorker (see podworker.py);
serves container logs and finds ready Service endpoints for the webhook caller."""
import os
import sys
import threading
import time

from . import netns, resources, scheduler
from .podworker import PodWorker, pod_ready
from .store import now_rfc3339

POD = resources.find("", "v1", "pods")
SERVICE = resources.find("", "v1", "services")
NODE = resources.find("", "v1", "nodes")
NAMESPACE = resources.find("", "v1", "namespaces")

__all__ = ["Kubelet", "pod_ready"]


class Kubelet:
    def __init__(self, store, registry, state_dir, bin_dir, api_ip, api_port, ca_crt, bridge, nodes):
        self.store, self.registry, self.state_dir, self.bin_dir = store, registry, state_dir, bin_dir
        self.api_ip, self.api_port, self.ca_crt, self.bridge, self.nodes = api_ip, api_port, ca_crt, bridge, nodes
        self.ips = netns.IpAllocator()
        self.workers = {}  # pod uid -> PodWorker
        self._unschedulable = {}  # pod uid -> (FailedScheduling message said, when)
        self._lock = threading.Lock()
        self._stop = self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="kubelet")

    def start(self):
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            seen = self.store.resource_version
            try:
                self.sync()
            except Exception as e:  # keep the node alive; say what went wrong
                import traceback
                traceback.print_exc()
                print(f"kubesim: kubelet sync failed: {e}", file=sys.stderr, flush=True)
            self.store.wait_change(0.5, since=seen)

    def sync(self):
        pods, _ = self.store.list(POD)
        for pod in pods:
            md = pod["metadata"]
            if not pod["spec"].get("nodeName"):
                node = self._schedule(pod, pods)
                if node is None:
                    continue  # stays Pending; tried again on the next sync (a change, or 0.5 s)
                pod["spec"]["nodeName"] = node
                try:
                    pod = self.store.update(POD, pod)
                except Exception:
                    continue
                self._unschedulable.pop(md["uid"], None)
                self.registry.record_event(pod, "Scheduled", f"Successfully assigned {md.get('namespace')}/"
                                           f"{md['name']} to {pod['spec']['nodeName']}", component="default-scheduler")
            with self._lock:
                if md["uid"] not in self.workers and not md.get("deletionTimestamp") and not self._stop.is_set():
                    w = PodWorker(self, pod)
                    self.workers[md["uid"]] = w
                    w.start()
        with self._lock:
            for uid, w in list(self.workers.items()):
                if w.done.is_set():
                    del self.workers[uid]
        live = {p["metadata"]["uid"] for p in pods}
        for uid in [u for u in self._unschedulable if u not in live]:
            del self._unschedulable[uid]

    def _schedule(self, pod, pods):
        """The node kube-scheduler would pick (scheduler.py), or None: then the pod stays Pending
        with PodScheduled=False (Unschedulable, the scheduler's message) and a FailedScheduling
        Warning Event, said again when the message changes or after a minute (its retries)."""
        nodes = self.store.list(NODE)[0]
        ns_labels = {n["metadata"]["name"]: n["metadata"].get("labels") or {} for n in self.store.list(NAMESPACE)[0]}
        node, message = scheduler.schedule(pod, pods, nodes, ns_labels)
        if node is not None or pod["metadata"].get("deletionTimestamp"):
            return node
        uid = pod["metadata"]["uid"]
        said, at = self._unschedulable.get(uid, ("", 0.0))
        now = time.monotonic()
        if said != message or now - at >= 60:
            self._unschedulable[uid] = (message, now)
            self.registry.record_event(pod, "FailedScheduling", message, type_="Warning",
                                       component="default-scheduler")
        st = pod.get("status") or {}
        cond = next((c for c in st.get("conditions") or [] if c.get("type") == "PodScheduled"), {})
        if cond.get("status") != "False" or cond.get("message") != message:
            st = dict(st, phase="Pending", conditions=[{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message,
                "lastProbeTime": None, "lastTransitionTime": now_rfc3339()}])
            pod["status"] = st
            try:
                self.store.update(POD, pod, check_rv=False, status_only=True)
            except Exception:
                pass
        return None

    def on_pod_delete(self, pod):
        with self._lock:
            w = self.workers.get(pod["metadata"]["uid"])
        if w is None:
            return False
        w.request_termination(float(pod["metadata"].get("deletionGracePeriodSeconds") or 0))
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

    def exec_target(self, pod, container):
        """(argv prefix function, env) to run a command in a running container, or None."""
        with self._lock:
            w = self.workers.get(pod["metadata"]["uid"])
        r = w.runner(container) if w else None
        if r is None or not r.started:
            return None
        return r.in_container, dict(r.env)

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
        if not previous and attempt > 0 and not os.path.exists(path) and not follow:
            attempt -= 1  # waiting to restart: the last run's log, as the kubelet shows it
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
        for w in workers:  # pods still in a long termination get 1 s too
            w.request_termination(1.0)
        for w in workers:
            w.done.wait(10)
