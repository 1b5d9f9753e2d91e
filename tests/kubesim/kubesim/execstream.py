"""`kubectl exec` over WebSocket (the v5/v4.channel.k8s.io remote-command protocols): channel 0
stdin, 1 stdout, 2 stderr, 3 the final metav1.Status, 255 (v5) close a channel. kubectl 1.32
tries WebSocket first; SPDY (its fallback) is not implemented."""
import base64
import hashlib
import json
import os
import struct
import subprocess
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")


class WebSocket:
    def __init__(self, rfile, wfile):
        self.rfile, self.wfile = rfile, wfile
        self._lock = threading.Lock()

    def send(self, payload, opcode=2):
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        with self._lock:
            self.wfile.write(head + payload)
            self.wfile.flush()

    def recv(self):
        """(opcode, payload) of the next frame; (8, b"") on EOF."""
        head = self.rfile.read(2)
        if len(head) < 2:
            return 8, b""
        opcode, n = head[0] & 0x0F, head[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.rfile.read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.rfile.read(8))[0]
        mask = self.rfile.read(4) if head[1] & 0x80 else b""
        data = self.rfile.read(n)
        if mask:
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        return opcode, data


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def choose_protocol(header):
    offered = [p.strip() for p in (header or "").split(",")]
    return next((p for p in PROTOCOLS if p in offered), None)


def run(ws, protocol, argv, env, stdin):
    """Runs argv, streaming its output as channel frames; returns when it has exited."""
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def pump(stream, channel):
        for chunk in iter(lambda: os.read(stream.fileno(), 65536), b""):
            try:
                ws.send(bytes([channel]) + chunk)
            except OSError:
                break

    def from_client():
        while True:
            try:
                opcode, data = ws.recv()
            except OSError:
                opcode, data = 8, b""
            if opcode == 8:
                break
            if opcode == 9:
                ws.send(data, opcode=10)
            elif opcode in (1, 2) and data and proc.stdin:
                channel, data = data[0], data[1:]
                try:
                    if channel == 0 and data:
                        proc.stdin.write(data)
                        proc.stdin.flush()
                    elif channel == 255 and data[:1] == b"\x00":  # v5: the client closed stdin
                        proc.stdin.close()
                except (OSError, ValueError):
                    pass
        if proc.stdin and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass

    pumps = [threading.Thread(target=pump, args=(proc.stdout, 1), daemon=True),
             threading.Thread(target=pump, args=(proc.stderr, 2), daemon=True)]
    for t in pumps:
        t.start()
    threading.Thread(target=from_client, daemon=True).start()
    code = proc.wait()
    for t in pumps:
        t.join(5)
    if code == 0:
        status = {"metadata": {}, "status": "Success"}
    else:
        code = 128 - code if code < 0 else code
        status = {"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                  "message": f"command terminated with non-zero exit code: exit status {code}",
                  "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}
    try:
        ws.send(bytes([3]) + json.dumps(status).encode())
        ws.send(struct.pack("!H", 1000), opcode=8)
    except OSError:
        pass
