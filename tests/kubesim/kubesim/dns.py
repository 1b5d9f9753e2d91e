"""Cluster DNS for *.cluster.local over UDP, answering from the store (A records only).

SERVICE.NS.svc.cluster.local  -> ready endpoint pod IPs (headless and ClusterIP services alike;
                                 kubesim has no service proxy, so ClusterIPs are not routable)
POD.SERVICE.NS.svc.cluster.local -> the pod's IP (pods with hostname/subdomain, when ready or
                                 when the Service has publishNotReadyAddresses)
A-B-C-D.NS.pod.cluster.local   -> A.B.C.D
kubernetes.default.svc.cluster.local -> the API server
Anything else: NXDOMAIN (there is no upstream resolver)."""
import socket
import struct
import sys
import threading

from . import resources, selectors
from .podworker import pod_ready

POD = resources.find("", "v1", "pods")
SERVICE = resources.find("", "v1", "services")
TTL = 5


def parse_query(data):
    qid, flags, qd = struct.unpack("!HHH", data[:6])
    pos, labels = 12, []
    while data[pos]:
        n = data[pos]
        labels.append(data[pos + 1:pos + 1 + n].decode(errors="replace"))
        pos += 1 + n
    qtype, qclass = struct.unpack("!HH", data[pos + 1:pos + 5])
    return qid, flags, ".".join(labels).lower(), qtype, data[12:pos + 5]


def build_response(qid, flags, question, ips, rcode):
    rd = flags & 0x0100
    header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1, len(ips), 0, 0)
    answers = b"".join(struct.pack("!HHHIH", 0xC00C, 1, 1, TTL, 4) + socket.inet_aton(ip) for ip in ips)
    return header + question + answers


class DnsServer:
    def __init__(self, store, listen_ip, port=53):
        self.store, self.listen_ip, self.port = store, listen_ip, port
        self.api_ip = listen_ip
        self._stop = threading.Event()
        self.sock = None

    def lookup(self, name):
        """Returns (exists, [ips])."""
        name = name.rstrip(".")
        if not name.endswith(".cluster.local"):
            return False, []
        parts = name[: -len(".cluster.local")].split(".")
        if parts == ["kubernetes", "default", "svc"]:
            return True, [self.api_ip]
        if len(parts) == 2 and parts[1] == "pod":
            return True, []
        if len(parts) == 3 and parts[2] == "pod":
            try:
                return True, [socket.inet_ntoa(socket.inet_aton(parts[0].replace("-", ".")))]
            except OSError:
                return False, []
        if parts[-1] != "svc" or len(parts) not in (3, 4):
            return (len(parts) <= 2 and parts[-1] == "svc"), []
        ns, svc_name = parts[-2], parts[-3]
        svc = self.store.get_or_none(SERVICE, ns, svc_name)
        if svc is None:
            return False, []
        if svc_name == "kubernetes" and ns == "default":
            return True, [self.api_ip]
        selector = svc["spec"].get("selector")
        if not selector:
            return True, []
        publish_all = svc["spec"].get("publishNotReadyAddresses", False)
        reqs = selectors.from_label_selector({"matchLabels": selector})
        pods = [p for p in self.store.list(POD, ns, label_reqs=reqs)[0]
                if p.get("status", {}).get("podIP") and (publish_all or pod_ready(p))
                and not p["metadata"].get("deletionTimestamp")]
        if len(parts) == 3:
            return True, sorted(p["status"]["podIP"] for p in pods)
        host = parts[0]
        ips = [p["status"]["podIP"] for p in pods
               if (p["spec"].get("hostname") or "") == host and p["spec"].get("subdomain") == svc_name]
        return bool(ips), ips

    def _serve(self):
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            try:
                qid, flags, name, qtype, question = parse_query(data)
                exists, ips = self.lookup(name)
                if qtype != 1:
                    ips = []
                rcode = 0 if exists else 3
                self.sock.sendto(build_response(qid, flags, question, ips, rcode), addr)
            except Exception as e:  # a malformed packet must not stop DNS
                print(f"kubesim: dns: bad query from {addr}: {e}", file=sys.stderr, flush=True)

    def start(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.listen_ip, self.port))
        self.sock.settimeout(0.5)
        threading.Thread(target=self._serve, daemon=True, name="dns").start()

    def stop(self):
        self._stop.set()
