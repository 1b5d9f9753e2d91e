"""A test mutating webhook: HTTPS on --port; POST /mutate adds an annotation (JSONPatch) and a
warning, and denies objects labelled deny=true. Used by test_webhook.py, run as a kubesim pod."""
import argparse
import base64
import json
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # /healthz for the readiness probe
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_POST(self):
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        req = review["request"]
        labels = (req["object"].get("metadata") or {}).get("labels") or {}
        resp = {"uid": req["uid"], "allowed": True}
        if labels.get("deny") == "true":
            resp = {"uid": req["uid"], "allowed": False, "status": {"code": 403, "message": "deny=true is not allowed here"}}
        else:
            ops = []
            if not (req["object"].get("metadata") or {}).get("annotations"):
                ops.append({"op": "add", "path": "/metadata/annotations", "value": {}})
            ops.append({"op": "add", "path": "/metadata/annotations/test-webhook~1seen", "value": req["operation"]})
            resp.update(patchType="JSONPatch", patch=base64.b64encode(json.dumps(ops).encode()).decode(),
                        warnings=[f"test webhook saw {req['operation']} of {req['name']}"])
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": resp}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    args = p.parse_args()
    server = ThreadingHTTPServer(("0.0.0.0", args.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"test webhook listening on {args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
