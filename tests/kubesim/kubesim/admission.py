"""Mutating admission: calls the webhooks of MutatingWebhookConfigurations like kube-apiserver.

AdmissionReview v1 over TLS verified against clientConfig.caBundle, with SERVICE.NAMESPACE.svc
as the server name, connecting to a ready endpoint pod IP of the Service (or clientConfig.url)."""
import base64
import copy
import http.client
import json
import socket
import ssl
import sys
import urllib.parse
import uuid

from . import errors, jsonpatch, resources, selectors

MWC = resources.find("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations")
NAMESPACE = resources.find("", "v1", "namespaces")


class WebhookCallError(Exception):
    pass


class _Conn(http.client.HTTPSConnection):
    """Connects to ip:port but verifies the certificate for server_name."""

    def __init__(self, ip, port, server_name, context, timeout):
        super().__init__(server_name, port, context=context, timeout=timeout)
        self._ip = ip

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _rule_matches(rule, r, op, sub):
    ops = rule.get("operations") or []
    if "*" not in ops and op not in ops:
        return False
    groups, versions = rule.get("apiGroups") or [], rule.get("apiVersions") or []
    if "*" not in groups and r.group not in groups:
        return False
    if "*" not in versions and r.version not in versions:
        return False
    scope = rule.get("scope", "*")
    if scope == "Cluster" and r.namespaced or scope == "Namespaced" and not r.namespaced:
        return False
    want = f"{r.plural}/{sub}" if sub else r.plural
    for res in rule.get("resources") or []:
        if res == want or res == "*/*" or (res == "*" and not sub) or \
                (sub and res == f"{r.plural}/*") or (sub and res == f"*/{sub}"):
            return True
    return False


class Admission:
    def __init__(self, store):
        self.store = store
        # (namespace, service name, port) -> (ip, port) of a ready endpoint; set by the kubelet.
        self.resolve_service = lambda ns, name, port: None

    def _webhooks(self):
        out = []
        for cfg in sorted(self.store.list(MWC)[0], key=lambda c: c["metadata"]["name"]):
            for w in cfg.get("webhooks") or []:
                out.append(w)
        return out

    def _matches(self, w, r, op, obj, old, sub):
        if not any(_rule_matches(rule, r, op, sub) for rule in w.get("rules") or []):
            return False
        osel = selectors.from_label_selector(w.get("objectSelector") or {})
        labels_new = ((obj or {}).get("metadata") or {}).get("labels")
        labels_old = ((old or {}).get("metadata") or {}).get("labels")
        if not (selectors.matches(osel, labels_new) or (old is not None and selectors.matches(osel, labels_old))):
            return False
        nsel = selectors.from_label_selector(w.get("namespaceSelector") or {})
        if r.kind == "Namespace":
            return selectors.matches(nsel, labels_new)
        if r.namespaced:
            ns = (obj or old)["metadata"].get("namespace", "default")
            ns_obj = self.store.get_or_none(NAMESPACE, "", ns) or {"metadata": {}}
            labels = dict(ns_obj["metadata"].get("labels") or {}, **{"kubernetes.io/metadata.name": ns})
            return selectors.matches(nsel, labels)
        return True

    def mutate(self, r, op, obj, old, sub):
        if r is MWC or r.kind in ("Event", "Lease"):
            return obj, []
        warnings, called = [], []
        hooks = [w for w in self._webhooks()]
        for i, w in enumerate(hooks):
            if not self._matches(w, r, op, obj, old, sub):
                continue
            before = copy.deepcopy(obj)
            obj = self._call(w, r, op, obj, old, sub, warnings)
            called.append((i, before != obj))
        # reinvocationPolicy IfNeeded: once more for a webhook when a later one changed the object.
        for pos, (i, _) in enumerate(called):
            w = hooks[i]
            if w.get("reinvocationPolicy") == "IfNeeded" and any(ch for _, ch in called[pos + 1:]):
                obj = self._call(w, r, op, obj, old, sub, warnings)
        return obj, warnings

    def _call(self, w, r, op, obj, old, sub, warnings):
        name = w.get("name", "")
        try:
            response = self._post(w, self._review(w, r, op, obj, old, sub))
        except WebhookCallError as e:
            if w.get("failurePolicy", "Fail") == "Ignore":
                print(f"kubesim: webhook {name!r} failed, ignored (failurePolicy Ignore): {e}",
                      file=sys.stderr, flush=True)
                return obj
            raise errors.ApiError(500, "InternalError",
                                  f'Internal error occurred: failed calling webhook "{name}": {e}')
        warnings.extend(response.get("warnings") or [])
        if not response.get("allowed"):
            st = dict(response.get("status") or {})
            code = st.get("code") or 400
            code = 400 if code < 400 else code
            denied = f'admission webhook "{name}" denied the request'
            msg = f"{denied}: {st['message']}" if st.get("message") else \
                (f"{denied}: {st['reason']}" if st.get("reason") else f"{denied} without explanation")
            raise errors.ApiError(code, st.get("reason", ""), msg)
        if response.get("patch"):
            if response.get("patchType") != "JSONPatch":
                raise errors.ApiError(500, "InternalError", f'Internal error occurred: webhook "{name}" '
                                      f'returned unsupported patchType {response.get("patchType")!r}')
            try:
                ops = json.loads(base64.b64decode(response["patch"]))
                obj = jsonpatch.apply_json_patch(obj, ops)
            except (ValueError, errors.ApiError) as e:
                msg = getattr(e, "message", str(e))
                raise errors.ApiError(500, "InternalError",
                                      f'Internal error occurred: JSONPatch from webhook "{name}" failed: {msg}')
        return obj

    def _review(self, w, r, op, obj, old, sub):
        src = obj or old
        md = src.get("metadata", {})
        req = {"uid": str(uuid.uuid4()),
               "kind": {"group": r.group, "version": r.version, "kind": r.kind},
               "resource": {"group": r.group, "version": r.version, "resource": r.plural},
               "requestKind": {"group": r.group, "version": r.version, "kind": r.kind},
               "requestResource": {"group": r.group, "version": r.version, "resource": r.plural},
               "name": md.get("name", ""), "operation": op,
               "userInfo": {"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]},
               "object": obj, "oldObject": old, "dryRun": False,
               "options": {"kind": "CreateOptions" if op == "CREATE" else "UpdateOptions",
                           "apiVersion": "meta.k8s.io/v1"}}
        if sub:
            req["subResource"] = sub
        if r.namespaced:
            req["namespace"] = md.get("namespace", "default")
        return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req}

    def _post(self, w, review):
        cc = w.get("clientConfig") or {}
        timeout = w.get("timeoutSeconds") or 10
        ctx = ssl.create_default_context()
        if cc.get("caBundle"):
            try:
                ctx = ssl.create_default_context(cadata=base64.b64decode(cc["caBundle"]).decode())
            except (ValueError, ssl.SSLError) as e:
                raise WebhookCallError(f"invalid caBundle: {e}") from None
        if cc.get("url"):
            u = urllib.parse.urlsplit(cc["url"])
            host, port, path = u.hostname, u.port or 443, (u.path or "/") + (f"?{u.query}" if u.query else "")
            ip, shown = host, cc["url"]
        else:
            svc = cc.get("service") or {}
            port = svc.get("port", 443)
            host = f"{svc.get('name')}.{svc.get('namespace')}.svc"
            path = svc.get("path") or "/"
            shown = f"https://{host}:{port}{path}?timeout={timeout}s"
            ep = self.resolve_service(svc.get("namespace"), svc.get("name"), port)
            if ep is None:
                raise WebhookCallError(f'failed to call webhook: Post "{shown}": '
                                       f'no endpoints available for service "{svc.get("name")}"')
            ip, port = ep
        conn = _Conn(ip, port, host, ctx, timeout)
        body = json.dumps(review).encode()
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json",
                                                           "Accept": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
        except socket.timeout:
            raise WebhookCallError(f'failed to call webhook: Post "{shown}": context deadline exceeded') from None
        except ssl.SSLCertVerificationError as e:
            raise WebhookCallError(f'failed to call webhook: Post "{shown}": tls: failed to verify '
                                   f'certificate: {e.verify_message}') from None
        except (OSError, http.client.HTTPException) as e:
            raise WebhookCallError(f'failed to call webhook: Post "{shown}": {e}') from None
        finally:
            conn.close()
        if resp.status != 200:
            raise WebhookCallError(f"received invalid webhook response: HTTP {resp.status}: {data[:200]!r}")
        try:
            out = json.loads(data)
            response = out["response"]
        except (ValueError, KeyError, TypeError):
            raise WebhookCallError("received invalid webhook response: not an AdmissionReview") from None
        if response.get("uid") != review["request"]["uid"]:
            raise WebhookCallError(f'expected response.uid="{review["request"]["uid"]}", '
                                   f'got "{response.get("uid")}"')
        return response
