"""The run's network: one bridge in the outer namespace, one veth per pod, pod IPs from a /16."""
import ipaddress
import os
import signal
import subprocess
import threading

BRIDGE = "ksbr0"
POD_CIDR = ipaddress.ip_network("10.244.0.0/16")
GATEWAY = "10.244.0.1"


def _ip(*args, input_=None):
    subprocess.run(["ip", *args], check=True, input=input_, text=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def setup_outer(bridge=BRIDGE, gateway=GATEWAY):
    """Brings up lo and the bridge. Call inside the namespace made by `unshare --net`."""
    _ip("-batch", "-", input_=f"link set lo up\nlink add {bridge} type bridge\n"
        f"addr add {gateway}/{POD_CIDR.prefixlen} dev {bridge}\nlink set {bridge} up\n")


class IpAllocator:
    """Hands out each pod IP once per run: a recreated pod gets a new IP, as usually in Kubernetes."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next = int(ipaddress.ip_address("10.244.1.2"))

    def allocate(self):
        with self._lock:
            while True:
                addr = ipaddress.ip_address(self._next)
                self._next += 1
                if addr not in POD_CIDR:
                    raise RuntimeError("pod IP range exhausted")
                if str(addr).split(".")[-1] not in ("0", "1", "255"):
                    return str(addr)


def attach_pod(holder_pid, host_veth, ip, bridge=BRIDGE, gateway=GATEWAY):
    """Creates a veth pair: eth0 inside the pod's network namespace, host_veth on the bridge."""
    _ip("-batch", "-", input_=f"link add {host_veth} type veth peer name eth0 netns {holder_pid}\n"
        f"link set {host_veth} master {bridge} up\n")
    subprocess.run(["nsenter", "-t", str(holder_pid), "-n", "ip", "-batch", "-"], check=True, text=True,
                   input=f"addr add {ip}/{POD_CIDR.prefixlen} dev eth0\nlink set eth0 up\nlink set lo up\n"
                   f"route add default via {gateway}\n", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_namespace_members(holder_pids, keep=()):
    """SIGKILLs every process (by pid) in the network namespaces of holder_pids, except `keep`."""
    inodes = set()
    for pid in holder_pids:
        try:
            inodes.add(os.stat(f"/proc/{pid}/ns/net").st_ino)
        except OSError:
            pass
    if not inodes:
        return
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in keep:
            try:
                if os.stat(f"/proc/{entry}/ns/net").st_ino in inodes:
                    os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass
