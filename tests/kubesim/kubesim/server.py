"""Wires the store, registry, admission, API server, controllers, kubelet and DNS together."""
import argparse
import os
import signal
import sys
import threading

from . import certs, registry as registry_mod, resources, store as store_mod
from .apiserver import ApiServer

NODES = ["kubesim-node-1", "kubesim-node-2", "kubesim-node-3"]


def _seed(store, reg, api_ip, port, ca_crt):
    ns_r = resources.find("", "v1", "namespaces")
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        reg.create(ns_r, None, {"metadata": {"name": ns}})
    node_r = resources.find("", "v1", "nodes")
    for n in NODES:
        reg.create(node_r, None, {
            "metadata": {"name": n, "labels": {"kubernetes.io/hostname": n, "kubernetes.io/os": "linux",
                                               "topology.kubernetes.io/zone": "kubesim"}},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                       "addresses": [{"type": "InternalIP", "address": api_ip},
                                     {"type": "Hostname", "address": n}]}})
    svc_r = resources.find("", "v1", "services")
    reg.create(svc_r, "default", {"metadata": {"name": "kubernetes", "namespace": "default",
                                               "labels": {"component": "apiserver", "provider": "kubernetes"}},
                                  "spec": {"clusterIP": api_ip, "ports": [{"name": "https", "port": 443,
                                                                           "targetPort": port}]}})
    ep_r = resources.find("", "v1", "endpoints")
    reg.create(ep_r, "default", {"metadata": {"name": "kubernetes", "namespace": "default"},
                                 "subsets": [{"addresses": [{"ip": api_ip}],
                                              "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]})
    cm_r = resources.find("", "v1", "configmaps")
    with open(ca_crt) as f:
        ca = f.read()
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        reg.create(cm_r, ns, {"metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": ca}})
    sa_r = resources.find("", "v1", "serviceaccounts")
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        reg.create(sa_r, ns, {"metadata": {"name": "default"}})


def main(argv):
    p = argparse.ArgumentParser(prog="kubesim")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--bin-dir", default=os.environ.get("KUBESIM_BIN_DIR", ""))
    p.add_argument("--listen", default="0.0.0.0")
    p.add_argument("--port", type=int, default=6443)
    p.add_argument("--api-ip", default="127.0.0.1", help="address pods use to reach the API server")
    p.add_argument("--bridge", default="", help="bridge name; empty: no kubelet (API only)")
    p.add_argument("--no-openapi", action="store_true")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)

    os.makedirs(args.state_dir, exist_ok=True)
    pki = os.path.join(args.state_dir, "pki")
    os.makedirs(pki, exist_ok=True)
    ca_key, ca_crt = certs.make_ca(pki)
    ips = sorted({"127.0.0.1", args.api_ip})
    key, crt = certs.make_serving_cert(pki, "apiserver", ca_key, ca_crt,
                                       ["kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                        "kubernetes.default.svc.cluster.local", "localhost"], ips)

    store = store_mod.Store()
    reg = registry_mod.Registry(store)
    from .admission import Admission
    admission = Admission(store)
    reg.admission = admission.mutate
    _seed(store, reg, args.api_ip, args.port, ca_crt)

    stop = threading.Event()
    components = []
    logs = _no_logs
    exec_target = None
    if args.bridge:
        from .controllers.deployment import DeploymentController
        from .controllers.disruption import DisruptionController
        from .controllers.endpoints import EndpointsController
        from .controllers.garbage import GarbageCollector
        from .controllers.statefulset import StatefulSetController
        from .dns import DnsServer
        from .kubelet import Kubelet
        kubelet = Kubelet(store, reg, args.state_dir, args.bin_dir, args.api_ip, args.port, ca_crt,
                          args.bridge, NODES)
        reg.on_pod_delete = kubelet.on_pod_delete
        admission.resolve_service = kubelet.service_endpoint
        logs = kubelet.logs
        exec_target = kubelet.exec_target
        dns = DnsServer(store, args.api_ip)
        components = [kubelet, StatefulSetController(store, reg), DeploymentController(store, reg),
                      GarbageCollector(store, reg), EndpointsController(store, reg),
                      DisruptionController(store, reg), dns]
    api = ApiServer((args.listen, args.port), store, reg, logs, crt, key,
                    f"{args.api_ip}:{args.port}", verbose=args.verbose, serve_openapi=not args.no_openapi,
                    exec_target=exec_target)

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    for c in components:
        c.start()
    threading.Thread(target=api.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    with open(os.path.join(args.state_dir, "ready"), "w") as f:
        f.write(f"{os.getpid()}\n")
    print(f"kubesim: serving on https://{args.api_ip}:{args.port}", file=sys.stderr, flush=True)
    while not stop.wait(0.5):
        pass
    print("kubesim: stopping", file=sys.stderr, flush=True)
    api.stopping.set()
    for c in reversed(components):
        c.stop()
    api.shutdown()
    return 0


def _no_logs(pod, container, follow, previous, tail):
    yield b""
