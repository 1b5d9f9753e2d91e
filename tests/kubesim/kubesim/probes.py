"""Probe handlers: exec (inside the pod), tcpSocket and httpGet (from the node, like the kubelet)."""
import http.client
import socket
import ssl
import subprocess


def run(probe, pod_ip, named_ports, exec_argv):
    """Returns (success, message). exec_argv(cmd) -> argv that runs cmd inside the container."""
    timeout = probe.get("timeoutSeconds", 1)
    try:
        if "exec" in probe:
            p = subprocess.run(exec_argv(probe["exec"].get("command") or []), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout, start_new_session=True)
            return p.returncode == 0, p.stdout.decode(errors="replace")[-200:]
        if "tcpSocket" in probe:
            port = _port(probe["tcpSocket"]["port"], named_ports)
            with socket.create_connection((probe["tcpSocket"].get("host") or pod_ip, port), timeout):
                return True, ""
        if "httpGet" in probe:
            g = probe["httpGet"]
            port = _port(g.get("port", 80), named_ports)
            host = g.get("host") or pod_ip
            if g.get("scheme", "HTTP").upper() == "HTTPS":
                conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                   context=ssl._create_unverified_context())
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            try:
                headers = {h["name"]: h["value"] for h in g.get("httpHeaders") or []}
                conn.request("GET", g.get("path", "/"), headers=headers)
                resp = conn.getresponse()
                resp.read()
                return 200 <= resp.status < 400, f"HTTP {resp.status}"
            finally:
                conn.close()
        if "grpc" in probe:
            return False, "grpc probes are not supported by kubesim"
    except subprocess.TimeoutExpired:
        return False, f"command timed out after {timeout}s"
    except (OSError, http.client.HTTPException) as e:
        return False, str(e)
    return False, "probe has no handler"


def _port(port, named_ports):
    if isinstance(port, int):
        return port
    if str(port).isdigit():
        return int(port)
    if port in named_ports:
        return named_ports[port]
    raise OSError(f"unknown named port {port!r}")
