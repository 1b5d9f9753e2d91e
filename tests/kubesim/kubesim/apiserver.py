"""The HTTPS API server: routing, discovery, CRUD, watch and pods/log over HTTP/1.1."""
import json
import socket
import ssl
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import authz, discovery, errors, events, protobuf, resources, tables

try:
    import yaml  # python3-yaml: kubectl sends JSON, but curl users may send YAML
except ImportError:  # pragma: no cover
    yaml = None


class Route:
    def __init__(self, r, ns, name, sub):
        self.r, self.ns, self.name, self.sub = r, ns, name, sub


def parse_resource_path(parts):
    """parts after /api or /apis: [group,] version, [namespaces, NS,] plural [, name [, sub]]."""
    if parts[0] == "api":
        group, rest = "", parts[1:]
    else:
        group, rest = parts[1], parts[2:]
    if not rest:
        return None
    version, rest = rest[0], rest[1:]
    ns = None
    if len(rest) >= 3 and rest[0] == "namespaces" and resources.find(group, version, rest[2]):
        ns, rest = rest[1], rest[2:]
    if not rest:
        return None
    r = resources.find(group, version, rest[0])
    if r is None:
        return None
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else ""
    return Route(r, ns, name, sub)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubesim"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    # -- responses -------------------------------------------------------
    def send_json(self, code, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error_status(self, e):
        self.send_json(e.code, e.status())

    def start_chunked(self, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.close_connection = True

    def write_chunk(self, data):
        if data:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    def end_chunked(self):
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass

    def _read_request_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def read_body(self):
        return self._raw

    def body_object(self):
        raw = self.read_body()
        ctype = self.headers.get("Content-Type") or ""
        if "protobuf" in ctype:
            return protobuf.decode(raw)
        try:
            if "yaml" in (self.headers.get("Content-Type") or "") and yaml:
                return yaml.safe_load(raw)
            return json.loads(raw or b"{}")
        except ValueError as e:
            raise errors.bad_request(f"unable to decode the request body: {e}")

    # -- dispatch ----------------------------------------------------------
    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError):
            self.close_connection = True

    def _dispatch(self):
        # The body is always read first, so an early error never leaves it in the connection.
        self._raw = self._read_request_body()
        url = urllib.parse.urlsplit(self.path)
        self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        parts = [p for p in url.path.split("/") if p]
        try:
            if self._simple(parts):
                return
            route = parse_resource_path(parts) if parts and parts[0] in ("api", "apis") else None
            if route is None:
                raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
            self._resource(route)
        except errors.ApiError as e:
            self.send_error_status(e)
        except (ConnectionError, ssl.SSLError, BrokenPipeError):
            self.close_connection = True
        except Exception as e:  # the edge: a Status, never a bare 500 page
            traceback.print_exc()
            self.send_error_status(errors.ApiError(500, "InternalError", f"Internal error occurred: {e}"))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def _simple(self, parts):
        path = "/" + "/".join(parts)
        if self.command not in ("GET", "HEAD"):
            return False
        if path in ("/healthz", "/livez", "/readyz"):
            body = b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return True
        doc = None
        if path == "/version":
            doc = discovery.SERVER_VERSION
        elif path == "/api":
            doc = discovery.api_versions(self.server.advertise)
        elif path == "/apis":
            doc = discovery.api_group_list()
        elif path == "/api/v1":
            doc = discovery.resource_list("", "v1")
        elif len(parts) == 2 and parts[0] == "apis":
            doc = discovery.api_group(parts[1])
        elif len(parts) == 3 and parts[0] == "apis":
            doc = discovery.resource_list(parts[1], parts[2])
        elif len(parts) == 2 and parts[0] == "api":
            doc = None
        elif path == "/openapi/v3" and self.server.serve_openapi:
            doc = discovery.openapi_v3_root()
        elif path == "/openapi/v2" and self.server.serve_openapi:
            if "protobuf" in (self.headers.get("Accept") or ""):
                body = discovery.openapi_v2_protobuf()
                self.send_response(200)
                self.send_header("Content-Type", discovery.OPENAPI_V2_PROTOBUF_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return True
            doc = discovery.openapi_v2()
        else:
            if parts[:1] in (["api"], ["apis"]):
                return False
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        if doc is None:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        self.send_json(200, doc)
        return True

    def _warnings(self, warnings):
        return [("Warning", '299 - "%s"' % w.replace('"', "'")) for w in warnings]

    def _resource(self, rt):
        reg, store, r, m = self.server.registry, self.server.store, rt.r, self.command
        ns = rt.ns if r.namespaced else None
        if rt.sub == "log" and m == "GET":
            return self._logs(rt)
        if rt.sub == "exec":
            return self._exec(rt)
        if rt.sub in ("attach", "portforward"):
            raise errors.bad_request(f"kubesim does not support pods/{rt.sub} (kubectl {rt.sub})")
        if rt.sub == "eviction" and m == "POST":
            return self._evict(rt)
        if rt.sub and rt.sub not in r.subresources:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        verb = {"GET": "get" if rt.name else "list", "HEAD": "get", "POST": "create", "PUT": "update",
                "PATCH": "patch", "DELETE": "delete" if rt.name else "deletecollection"}[m]
        if verb not in r.verbs and not rt.sub:
            raise errors.ApiError(405, "MethodNotAllowed", f"kubesim does not support {verb} on {r.plural}")
        if verb == "list" and self.query.get("watch") in ("true", "1"):
            verb = "watch"
        authz.check(store, self.headers.get("Authorization"), verb, r, ns, rt.sub)
        if rt.name is None:
            if m == "GET":
                if self.query.get("watch") in ("true", "1"):
                    return self._watch(rt)
                items, rv = store.list(r, ns, self.query.get("labelSelector"), self.query.get("fieldSelector"))
                items = [events.convert(o, r.group_version) for o in items]
                if "as=Table" in (self.headers.get("Accept") or ""):
                    return self.send_json(200, tables.to_table(r.kind, items, rv))
                return self.send_json(200, {"kind": f"{r.kind}List", "apiVersion": r.group_version,
                                            "metadata": {"resourceVersion": rv}, "items": items})
            if m == "POST":
                obj, warnings = reg.create(r, ns, self.body_object(), dry_run="dryRun" in self.query)
                return self.send_json(201, obj, self._warnings(warnings))
            if m == "DELETE":
                items = reg.delete_collection(r, ns, self.query.get("labelSelector"), self.query.get("fieldSelector"))
                return self.send_json(200, {"kind": f"{r.kind}List", "apiVersion": r.group_version,
                                            "metadata": {}, "items": items})
            raise errors.ApiError(405, "MethodNotAllowed", f"{m} is not allowed on {r.plural}")
        if m == "GET":
            obj = events.convert(store.get(r, ns, rt.name), r.group_version)
            if rt.sub == "scale":
                obj = reg.scale_of(r, obj)
            if "as=Table" in (self.headers.get("Accept") or "") and not rt.sub:
                return self.send_json(200, tables.to_table(r.kind, [obj], obj["metadata"]["resourceVersion"]))
            return self.send_json(200, obj)
        if m == "PUT":
            obj, warnings = reg.update(r, ns, rt.name, self.body_object(), sub=rt.sub,
                                       dry_run="dryRun" in self.query)
            return self.send_json(200, obj, self._warnings(warnings))
        if m == "PATCH":
            obj, warnings = reg.patch(r, ns, rt.name, self.headers.get("Content-Type"), self.read_body(),
                                      sub=rt.sub, dry_run="dryRun" in self.query)
            return self.send_json(200, obj, self._warnings(warnings))
        if m == "DELETE":
            opts = self.body_object() if self._raw else {}
            grace = self.query.get("gracePeriodSeconds", opts.get("gracePeriodSeconds"))
            obj = reg.delete(r, ns, rt.name, grace=int(grace) if grace not in (None, "") else None,
                             dry_run="dryRun" in self.query or bool(opts.get("dryRun")))
            return self.send_json(200, obj)
        raise errors.ApiError(405, "MethodNotAllowed", f"{m} is not allowed")

    def _exec(self, rt):
        """kubectl exec (WebSocket remote-command protocol, see execstream.py)."""
        from . import execstream
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        pod = self.server.store.get(rt.r, rt.ns, rt.name)
        names = [c["name"] for c in pod["spec"].get("containers") or []] + \
            [c["name"] for c in pod["spec"].get("initContainers") or []]
        container = (q.get("container") or [names[0] if names else ""])[0]
        command = q.get("command") or []
        if container not in names:
            raise errors.bad_request(f"container {container} is not valid for pod {rt.name}")
        if not command:
            raise errors.bad_request("you must specify at least one command for the container")
        target = self.server.exec_target(pod, container)
        if target is None:
            raise errors.bad_request(f"container {container} is not running in pod {rt.name}")
        protocol = execstream.choose_protocol(self.headers.get("Sec-WebSocket-Protocol"))
        if "websocket" not in (self.headers.get("Upgrade") or "").lower() or protocol is None:
            raise errors.bad_request("kubesim runs kubectl exec over WebSocket (v5/v4.channel.k8s.io) "
                                     "only, not SPDY; or use `kubesim exec POD [-c CONTAINER] -- COMMAND`")
        in_container, env = target
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", execstream.accept_key(self.headers.get("Sec-WebSocket-Key", "")))
        self.send_header("Sec-WebSocket-Protocol", protocol)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        ws = execstream.WebSocket(self.rfile, self.wfile)
        try:
            execstream.run(ws, protocol, in_container(command), env,
                           stdin=(q.get("stdin") or ["false"])[0] in ("true", "1"))
        except OSError:
            pass

    def _evict(self, rt):
        """policy/v1 Eviction: a graceful delete, refused (429) when a PodDisruptionBudget forbids it."""
        from . import disruption
        body = self.body_object() if self._raw else {}
        opts = body.get("deleteOptions") or {}
        pod = self.server.store.get(rt.r, rt.ns, rt.name)
        disruption.check_eviction(self.server.store, pod)
        grace = opts.get("gracePeriodSeconds")
        self.server.registry.delete(rt.r, rt.ns, rt.name, grace=grace, dry_run=bool(opts.get("dryRun")))
        return self.send_json(201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                    "code": 201})

    def _watch(self, rt):
        from . import selectors
        store, r = self.server.store, rt.r
        ns = rt.ns if r.namespaced else None
        reqs = selectors.parse(self.query.get("labelSelector"))
        fsel = self.query.get("fieldSelector")
        as_table = "as=Table" in (self.headers.get("Accept") or "")
        timeout = float(self.query.get("timeoutSeconds") or 1800)
        rv = self.query.get("resourceVersion") or "0"
        self.start_chunked("application/json")

        def wanted(o):
            md = o["metadata"]
            return ((not ns or md.get("namespace") == ns) and selectors.matches(reqs, md.get("labels"))
                    and (not fsel or selectors.field_matches(fsel, o)))

        def send(kind, o):
            o = events.convert(o, r.group_version)
            if as_table:
                o = tables.to_table(r.kind, [o], o["metadata"]["resourceVersion"])
            self.write_chunk(json.dumps({"type": kind, "object": o}).encode() + b"\n")

        import time
        deadline = time.monotonic() + timeout
        try:
            if rv == "0":
                items, rv = store.list(r, ns, label_reqs=reqs, field_selector=fsel)
                for o in items:
                    send("ADDED", o)
            while time.monotonic() < deadline and not self.server.stopping.is_set():
                got = store.events_since(r, rv, min(1.0, max(0.0, deadline - time.monotonic())))
                if got is None:
                    self.write_chunk(json.dumps({"type": "ERROR", "object": errors.ApiError(
                        410, "Expired", "too old resource version").status()}).encode() + b"\n")
                    break
                evs, rv = got
                for kind, o, prev in evs:
                    now, before = wanted(o), prev is not None and wanted(prev)
                    if kind == "MODIFIED" and prev is not None and now != before:
                        kind = "ADDED" if now else "DELETED"  # entered or left the selection
                        now = True
                    if now:
                        send(kind, o)
            self.end_chunked()
        except (OSError, ssl.SSLError):
            pass

    def _logs(self, rt):
        store = self.server.store
        pod = store.get(rt.r, rt.ns, rt.name)
        containers = [c["name"] for c in pod["spec"].get("containers", [])]
        inits = [c["name"] for c in pod["spec"].get("initContainers") or []]
        name = self.query.get("container")
        if not name:
            if len(containers) != 1:
                raise errors.bad_request(f"a container name must be specified for pod {rt.name}, "
                                         f"choose one of: [{' '.join(containers)}] or one of the init "
                                         f"containers: [{' '.join(inits)}]")
            name = containers[0]
        if name not in containers + inits:
            raise errors.bad_request(f"container {name} is not valid for pod {rt.name}")
        chunks = self.server.logs(pod, name, follow=self.query.get("follow") in ("true", "1"),
                                  previous=self.query.get("previous") in ("true", "1"),
                                  tail=int(self.query["tailLines"]) if self.query.get("tailLines") else None)
        self.start_chunked("text/plain")
        try:
            for data in chunks:
                if self.server.stopping.is_set():
                    break
                self.write_chunk(data)
            self.end_chunked()
        except (OSError, ssl.SSLError):
            pass
        finally:
            chunks.close()


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, store, registry, logs, cert, key, advertise, verbose=False,
                 serve_openapi=True, exec_target=None):
        super().__init__(address, Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.socket = ctx.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.store, self.registry, self.logs = store, registry, logs
        self.advertise, self.verbose, self.serve_openapi = advertise, verbose, serve_openapi
        self.stopping = threading.Event()
        self.exec_target = exec_target or (lambda pod, container: None)

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.settimeout(3600)
        return sock, addr
